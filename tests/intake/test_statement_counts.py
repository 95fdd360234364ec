"""SQL statements per intake path (issue 18), counted with a `before_cursor_execute` listener on
both databases: a baseline like netbox's query-count tests, so a change that adds a read or a
row-by-row write shows here. BEGIN/COMMIT are not counted (SQLite's BEGIN IMMEDIATE is a statement)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from sqlalchemy import event, func, select

from incident_hub.extensions import db
from incident_hub.models import Action, Alert, AuditEntry, Incident, TimelineEvent
from tests.intake.factories import make_source, payload, post

# A physical attack on IT with a premises gap and a data breach: two playbooks (15 steps) apply,
# so this is the heaviest new incident intake opens (incident, routing, actions, timeline, audit).
HEAVY_LABELS = {"vectors": "physical_on_it,digital", "effects": "premises_security_gap,data_compromise"}
NEW_FINGERPRINT_LIMIT = 12  # the incident itself: intake, routing, actions, timeline, audit
# The notification fan-out (issue 14) on top: who wants it (users and their preferences, chat
# channels), then the notification rows and the chat messages' outbox rows. Issue 18's target
# is one multi-row INSERT; today it is these 4 statements, kept apart so neither side grows unseen.
NOTIFY_TABLES = ("notifications", "outbox_messages", "chat_channels", "notification_preferences")
NOTIFY_LIMIT = 4
# The search index entry (issue 12b), kept current in the same transaction: one upsert on
# PostgreSQL, DELETE + INSERT on SQLite's FTS5 table.
SEARCH_LIMIT = 2


def _split(statements: list[str]) -> tuple[list[str], list[str]]:
    """(the incident's own statements, the notification fan-out's); the search index's are checked
    here against their own budget and left out of both."""
    search = [s for s in statements if "incident_search" in s]
    assert len(search) <= SEARCH_LIMIT, "\n".join(search)
    notify = [s for s in statements if any(t in s for t in NOTIFY_TABLES)]
    return [s for s in statements if s not in notify and s not in search], notify


@contextmanager
def counting() -> Iterator[list[str]]:
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


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


def _send(client: Any, source: Any, secret: str, data: dict[str, Any]) -> tuple[int, list[str]]:
    body = json.dumps(data).encode()
    db.session.remove()
    with counting() as seen:
        status = post(client, source, secret, body=body).status_code
    return status, list(seen)


def test_statements_per_intake_path(app, client):
    source, secret = _source()
    assert _send(client, source, secret, _alert("warm-up", **HEAVY_LABELS))[0] == 202  # loads the playbooks

    status, everything = _send(client, source, secret, _alert("fp-heavy", **HEAVY_LABELS))
    assert status == 202
    new, notify = _split(everything)
    assert len(new) <= NEW_FINGERPRINT_LIMIT, "\n".join(new)
    assert len(notify) <= NOTIFY_LIMIT, "\n".join(notify)
    # One multi-row INSERT each for actions, timeline events and audit entries; one routing write.
    inserts = [s.split("(")[0].split()[-1] for s in new if s.lstrip().upper().startswith("INSERT")]
    assert sorted(inserts) == sorted(
        ["intake_deliveries", "incidents", "incident_units", "actions", "intake_alerts", "timeline_events",
         "audit_entries"]
    ), inserts  # fmt: skip
    reads = [s for s in new if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == len(set(reads)), "a statement was read twice"
    incident_id = db.session.execute(select(Alert.incident_id).where(Alert.fingerprint == "fp-heavy")).scalar_one()
    actions = _count(select(Action.id).where(Action.incident_id == incident_id).subquery())
    assert actions >= 5  # the playbook's steps became actions in that one INSERT
    kinds = db.session.execute(
        select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident_id).order_by(TimelineEvent.id)
    ).scalars()
    assert list(kinds) == ["created", "routed", "playbook_applied", "playbook_applied"]  # two playbooks apply
    audited = db.session.execute(
        select(AuditEntry.action).where(AuditEntry.action.in_(["incident.create", "action.create"]))
    ).scalars()
    assert sorted(set(audited)) == ["action.create", "incident.create"]

    status, everything = _send(client, source, secret, _alert("fp-plain"))
    plain, notify = _split(everything)
    assert status == 202 and len(plain) <= NEW_FINGERPRINT_LIMIT - 1, "\n".join(plain)  # no playbook applies
    assert len(notify) <= NOTIFY_LIMIT, "\n".join(notify)

    status, repeat = _send(client, source, secret, _alert("fp-plain", n=2))
    assert status == 202 and len(repeat) <= 4, "\n".join(repeat)  # source, delivery, alerts, update
    status, resolved = _send(client, source, secret, _alert("fp-plain", "resolved", n=3))
    assert status == 202 and len(resolved) <= 8, "\n".join(resolved)
    status, duplicate = _send(client, source, secret, _alert("fp-plain", "resolved", n=3))
    # source, delivery, the copy's id, and its row on the source page (one INSERT … SELECT, rate-limited)
    assert status == 200 and len(duplicate) <= 4, "\n".join(duplicate)
    assert _count(Incident) == 3


def test_audit_chain_stays_valid_with_batched_entries(app, client, runner):
    source, secret = _source()
    for fp in ("chain-1", "chain-2"):
        assert _send(client, source, secret, _alert(fp, **HEAVY_LABELS))[0] == 202
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
