"""INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL: exactly-once writes without
check-then-insert (ARCHITECTURE.md "Transactions, audit, idempotency")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, values: dict[str, Any], conflict: Sequence[str]) -> int | None:
    """Insert one row unless it conflicts on the unique columns `conflict`; the new primary key, or None."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    pk = model.__mapper__.primary_key[0]
    row = session.execute(stmt.returning(pk)).first()
    return None if row is None else row[0]


def insert_action_values(session: Session, values: dict[str, Any]) -> int | None:
    """An action row, once per (incident, playbook version, step)."""
    from incident_hub.models import Action

    return insert_ignore(session, Action, values, ("incident_id", "playbook_id", "source_step"))


def insert_actions_values(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Action rows in one multi-row INSERT, each once per (incident, playbook version, step):
    {(playbook_id, source_step): new id} for the rows inserted."""
    from incident_hub.models import Action

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Any = Action.__table__
    stmt = (
        insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["incident_id", "playbook_id", "source_step"])
        .returning(table.c.id, table.c.playbook_id, table.c.source_step)
    )
    return {(pid, step): action_id for action_id, pid, step in session.execute(stmt).all()}
