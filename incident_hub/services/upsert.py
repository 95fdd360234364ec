"""INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL: exactly-once writes without
check-then-insert (ARCHITECTURE.md "Transactions, audit, idempotency"). The one helper: playbook
actions, the R3 joint assessment and playbook versions go through it (intake deliveries have
their own, written as text: services/intake/accept.py).

`multirow_insert` is the plain INSERT that writes many rows in one statement.

SQLAlchemy 2.0 cannot cache these dialect statements, so each execution compiles them again;
the actions of a new incident, which cannot conflict, use a plain INSERT that is compiled once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from incident_hub.models import Action

DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


def _table(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def multirow_insert(model: Any) -> Executable:
    """A plain INSERT for many rows at once, built once: with RETURNING, SQLAlchemy sends an
    executemany as one INSERT … VALUES (…), (…) on both databases ("insertmanyvalues"); without
    it, psycopg would execute one INSERT per row."""
    table = _table(model)
    return insert(table).returning(*table.primary_key.columns)


def insert_ignore_statement(dialect: str, model: Any, conflict: Sequence[str]) -> Executable:
    """The statement, parameters bound at execution, answering the new primary key (no row on a
    conflict): build it once for a hot path."""
    table = _table(model)
    stmt = DIALECTS[dialect].insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return stmt.returning(table.primary_key.columns[0])


def insert_ignore(session: Session, model: Any, values: dict[str, Any], conflict: Sequence[str]) -> int | None:
    """Insert one row unless it conflicts on the unique columns `conflict`; the new primary key, or None."""
    stmt = insert_ignore_statement(session.get_bind().dialect.name, model, conflict)
    return session.execute(stmt, values).scalar_one_or_none()


def insert_action_values(session: Session, values: dict[str, Any]) -> int | None:
    """An action row, once per (incident, playbook version, step)."""
    return insert_ignore(session, Action, values, ("incident_id", "playbook_id", "source_step"))


def _insert_actions(dialect: str) -> Executable:
    table: Any = Action.__table__
    return (
        DIALECTS[dialect]
        .insert(table)
        .on_conflict_do_nothing(index_elements=["incident_id", "playbook_id", "source_step"])
        .returning(table.c.id, table.c.playbook_id, table.c.source_step)
    )


_INSERT_ACTIONS = {name: _insert_actions(name) for name in DIALECTS}
_ACTIONS: Any = Action.__table__
_INSERT_NEW_ACTIONS = insert(_ACTIONS).returning(_ACTIONS.c.id, _ACTIONS.c.playbook_id, _ACTIONS.c.source_step)


def insert_actions_values(
    session: Session, rows: list[dict[str, Any]], new_incident: bool = False
) -> dict[tuple[int, str], int]:
    """Action rows in one multi-row INSERT (an executemany of a statement built once, which
    SQLAlchemy sends as one INSERT … VALUES (…), (…) RETURNING), each once per (incident, playbook
    version, step): {(playbook_id, source_step): new id} for the rows inserted. The incident this
    transaction creates has no actions anywhere yet, so its INSERT needs no ON CONFLICT."""
    stmt = _INSERT_NEW_ACTIONS if new_incident else _INSERT_ACTIONS[session.get_bind().dialect.name]
    found = session.connection().execute(stmt, rows).all()
    return {(pid, step): action_id for action_id, pid, step in found}
