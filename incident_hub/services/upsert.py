"""INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL: exactly-once writes without
check-then-insert (ARCHITECTURE.md "Transactions, audit, idempotency"). The one helper: playbook
actions, the R3 joint assessment and intake deliveries all go through it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


def _table(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def insert_ignore_statement(dialect: str, model: Any, conflict: Sequence[str]) -> Executable:
    """The statement, parameters bound at execution, answering the new primary key (no row on a
    conflict): build it once for a hot path."""
    table = _table(model)
    stmt = DIALECTS[dialect].insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return stmt.returning(table.primary_key.columns[0])


def insert_ignore_statements(model: Any, conflict: Sequence[str]) -> dict[str, Executable]:
    """`insert_ignore_statement` for every supported dialect, by dialect name."""
    return {name: insert_ignore_statement(name, model, conflict) for name in DIALECTS}


def insert_ignore(session: Session, model: Any, values: dict[str, Any], conflict: Sequence[str]) -> int | None:
    """Insert one row unless it conflicts on the unique columns `conflict`; the new primary key, or None."""
    stmt = insert_ignore_statement(session.get_bind().dialect.name, model, conflict)
    return session.execute(stmt, values).scalar_one_or_none()


def insert_action_values(session: Session, values: dict[str, Any]) -> int | None:
    """An action row, once per (incident, playbook version, step)."""
    from incident_hub.models import Action

    return insert_ignore(session, Action, values, ("incident_id", "playbook_id", "source_step"))


def insert_actions_values(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Action rows in one multi-row INSERT, each once per (incident, playbook version, step):
    {(playbook_id, source_step): new id} for the rows inserted."""
    from incident_hub.models import Action

    table: Any = Action.__table__
    stmt = (
        DIALECTS[session.get_bind().dialect.name]
        .insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["incident_id", "playbook_id", "source_step"])
        .returning(table.c.id, table.c.playbook_id, table.c.source_step)
    )
    return {(pid, step): action_id for action_id, pid, step in session.execute(stmt).all()}
