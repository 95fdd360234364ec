"""SQL statements per intake path (issue 18), counted with a `before_cursor_execute` listener on
both databases: a baseline like netbox's query-count tests, so a change that adds a read or a
row-by-row write shows here, and a failure prints the statements. BEGIN/COMMIT are not counted
(SQLite's BEGIN IMMEDIATE is a statement).

The budget covers everything the delivery's transaction does: the incident, its routing, actions,
timeline, audit, the search index entry and the notifications of the people and chat channel
told (one multi-row INSERT; the outbox job queues their email and chat messages afterwards).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine.interfaces import ExecuteStyle

from incident_hub.extensions import db
from incident_hub.models import Action, Alert, AuditEntry, Incident, Notification, OutboxMessage, TimelineEvent
from incident_hub.services.admin.users import create_user
from incident_hub.services.notify.channels import create_channel
from incident_hub.services.outbox import deliver_due
from tests.intake.factories import make_source, payload, post

# A physical attack on IT with a premises gap and a data breach: two playbooks (15 steps) apply and
# DSS is a partner (R2), so this is the heaviest new incident intake opens.
HEAVY_LABELS = {"vectors": "physical_on_it,digital", "effects": "premises_security_gap,data_compromise"}
BUDGET = {
    "new fingerprint": 12,  # the target, notifications and search index included
    "repeat fingerprint": 3,  # the delivery, the open alerts, the alert's UPDATE
    "resolved": 7,  # + the timeline event and the audit entry (head, entry, head)
    # the delivery (no row), the copy's id; then, in its own transaction after the answer is decided,
    # its row on the source page (one INSERT … SELECT, at most 60 a minute per source)
    "duplicate delivery": 3,
}
# One multi-row INSERT each; one routing write (incident_units).
NEW_INCIDENT_INSERTS = [
    "intake_deliveries",
    "incidents",
    "incident_units",
    "actions",
    "incident_search",
    "notifications",
    "intake_alerts",
    "timeline_events",
    "audit_entries",
]


@contextmanager
def counting() -> Iterator[list[str]]:
    """The statements sent; an INSERT sent once per row (a DB-API executemany: psycopg runs one
    statement per parameter set) is listed once per row, so it cannot hide in the count."""
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            row_by_row = executemany and context.execute_style is ExecuteStyle.EXECUTEMANY  # not insertmanyvalues
            seen.extend([" ".join(statement.split())] * (len(parameters) if row_by_row else 1))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def _listing(label: str, statements: list[str]) -> str:
    lines = [f"{label}: {len(statements)} statements (budget {BUDGET.get(label, '-')})"]
    return "\n".join(lines + [f"{i:3}. {s[:300]}" for i, s in enumerate(statements, 1)])


def _within_budget(label: str, statements: list[str]) -> None:
    assert len(statements) <= BUDGET[label], _listing(label, statements)
    reads = [s for s in statements if s.upper().startswith("SELECT")]
    assert len(reads) == len(set(reads)), "a statement was read twice\n" + _listing(label, statements)


def _alert(fp: str, status: str = "firing", n: int = 1, **labels: str) -> dict[str, Any]:
    data = payload("alertmanager", fingerprint=fp, status=status, annotations={"summary": f"reading {n}"})
    data["alerts"][0]["labels"] = {**data["alerts"][0]["labels"], "instance": f"host-{fp}", **labels}
    data.pop("groupLabels", None)
    data.pop("groupKey", None)
    data["status"] = status
    return data


def _count(model: Any) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _source() -> tuple[Any, str]:
    """The source as plain values (the test's session is emptied before each counted request)."""
    source, secret = make_source("alertmanager")
    return SimpleNamespace(name=source.name, format=source.format), secret


def _people() -> None:
    """Who a new incident reaches: OICT and DSS members and a manager (each with an email address),
    and OICT's chat channel, so the fan-out is inside the budget."""
    for name, role, unit in (("oict-a", "oict_responder", "OICT"), ("oict-b", "oict_responder", "OICT"),
                             ("dss-a", "dss_officer", "DSS"), ("boss", "manager", "OICT")):  # fmt: skip
        create_user(name, role, unit, "correct-horse-battery", actor="test", email=f"{name}@example.org")
    values = {"unit": "OICT", "kind": "slack", "url": "https://127.0.0.1:9/hook", "events": ["incident.routed"]}
    create_channel("test", values)


def _send(client: Any, source: Any, secret: str, data: dict[str, Any]) -> tuple[int, list[str]]:
    body = json.dumps(data).encode()
    db.session.remove()
    with counting() as seen:
        status = post(client, source, secret, body=body).status_code
    return status, list(seen)


def _inserted_tables(statements: list[str]) -> list[str]:
    tables = [s.split("(")[0].split()[-1] for s in statements if s.upper().startswith("INSERT")]
    return [t.removesuffix("_fts") for t in tables]


def test_statements_per_intake_path(app, client):
    source, secret = _source()
    _people()
    assert _send(client, source, secret, _alert("warm-up", **HEAVY_LABELS))[0] == 202  # loads the playbooks
    assert _send(client, source, secret, _alert("warm-up-2"))[0] == 202  # the worker's copy is current

    status, heavy = _send(client, source, secret, _alert("fp-heavy", **HEAVY_LABELS))
    assert status == 202
    _within_budget("new fingerprint", heavy)
    assert sorted(_inserted_tables(heavy)) == sorted(NEW_INCIDENT_INSERTS), _listing("new fingerprint", heavy)
    assert not [s for s in heavy if "outbox_messages" in s]  # email and chat leave through the relay
    incident_id = db.session.execute(select(Alert.incident_id).where(Alert.fingerprint == "fp-heavy")).scalar_one()
    assert _count(select(Action.id).where(Action.incident_id == incident_id).subquery()) >= 5  # one INSERT
    kinds = db.session.execute(
        select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident_id).order_by(TimelineEvent.id)
    ).scalars()
    assert list(kinds) == ["created", "routed", "playbook_applied", "playbook_applied"]  # two playbooks apply
    audited = db.session.execute(
        select(AuditEntry.action).where(AuditEntry.action.in_(["incident.create", "action.create"]))
    ).scalars()
    assert sorted(set(audited)) == ["action.create", "incident.create"]
    told = db.session.execute(
        select(Notification.user_id, Notification.channel_id, Notification.relay_pending).where(
            Notification.incident_id == incident_id
        )
    ).all()
    assert len([t for t in told if t.user_id]) == 4  # R2: OICT's three and DSS's one
    assert [t.relay_pending for t in told if t.channel_id] == [True]  # OICT's channel
    assert all(t.relay_pending for t in told)  # each has an email address: urgent event

    status, plain = _send(client, source, secret, _alert("fp-plain"))
    assert status == 202
    _within_budget("new fingerprint", plain)  # no playbook applies

    status, repeat = _send(client, source, secret, _alert("fp-plain", n=2))
    assert status == 202
    _within_budget("repeat fingerprint", repeat)
    status, resolved = _send(client, source, secret, _alert("fp-plain", "resolved", n=3))
    assert status == 202
    _within_budget("resolved", resolved)
    status, duplicate = _send(client, source, secret, _alert("fp-plain", "resolved", n=3))
    assert status == 200
    _within_budget("duplicate delivery", duplicate)
    assert _count(Incident) == 4

    # The relay then queues every email and chat message once, the next outbox run.
    pending = _count(select(Notification.id).where(Notification.relay_pending.is_(True)).subquery())
    deliver_due(limit=0)
    assert _count(OutboxMessage) == pending
    assert _count(select(Notification.id).where(Notification.relay_pending.is_(True)).subquery()) == 0


def test_audit_chain_stays_valid_with_batched_entries(app, client, runner):
    source, secret = _source()
    for fp in ("chain-1", "chain-2"):
        assert _send(client, source, secret, _alert(fp, **HEAVY_LABELS))[0] == 202
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
