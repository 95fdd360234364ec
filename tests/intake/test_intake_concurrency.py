"""Two copies at once (two workers): the UNIQUE key stores one, the advisory lock opens one
incident. Real threads, each with its own connection, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select, text

from incident_hub.extensions import db
from incident_hub.models import Alert, Delivery, Incident
from tests.concurrency import run_together_ok
from tests.intake.factories import make_source, payload, signed_headers

COPIES = 4


def _race(app: Any, requests: list[tuple[str, bytes, dict[str, str]]]) -> list[Any]:
    def send(i: int) -> Any:
        path, raw, headers = requests[i]
        return app.test_client().post(path, data=raw, headers={**headers, "Content-Type": "application/json"})

    return run_together_ok(app, send, len(requests))


def _count(model: Any) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_concurrent_copies_are_stored_once(app):
    for fmt in ("generic", "alertmanager"):
        source, secret = make_source(fmt)
        raw = json.dumps(payload(fmt, fingerprint=f"race-{fmt}")).encode()
        headers = signed_headers(fmt, secret, raw, ts=int(time.time()), msg_id=f"msg_race_{fmt}")
        results = _race(app, [(f"/api/v1/intake/{source.name}", raw, headers)] * COPIES)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200] * (COPIES - 1) + [202], [r.get_json() for r in results]
        ids = {r.get_json()["delivery_id"] for r in results}
        assert len(ids) == 1
        stored = db.session.execute(select(func.count()).where(Delivery.source_id == source.id)).scalar_one()
        assert stored == 1
    assert _count(Incident) == 2 and _count(Alert) == 2


def test_concurrent_distinct_deliveries_of_one_new_fingerprint_open_one_incident(app):
    source, secret = make_source("alertmanager")
    requests = []
    for i in range(COPIES):
        raw = json.dumps(payload("alertmanager", annotations={"summary": f"copy {i}"})).encode()
        requests.append((f"/api/v1/intake/{source.name}", raw, signed_headers("alertmanager", secret, raw)))
    results = _race(app, requests)
    assert sorted(r.status_code for r in results) == [202] * COPIES, [r.get_json() for r in results]
    assert len({tuple(r.get_json()["incidents"]) for r in results}) == 1
    assert _count(Incident) == 1 and _count(Alert) == 1 and _count(Delivery) == COPIES


def _waiting_on_a_row_lock(conn: Any) -> bool:
    waiting = conn.execute(
        text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
    ).scalar_one()
    return bool(waiting)


def test_a_repeat_does_not_undo_a_resolution_committed_while_it_ran(app):
    """PostgreSQL (SQLite runs one writer at a time): a repeat reads the alert firing; a resolution
    of the same alert commits before the repeat writes; the repeat then writes only what it
    changed (when last seen, by which delivery, the annotations), so the alert stays resolved."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: a repeat cannot interleave with another write")
    source, secret = make_source("alertmanager")
    path = f"/api/v1/intake/{source.name}"

    def delivery(summary: str) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps(payload("alertmanager", fingerprint="interleaved", annotations={"summary": summary})).encode()
        return raw, signed_headers("alertmanager", secret, raw)

    raw, headers = delivery("first")
    assert (
        app.test_client().post(path, data=raw, headers={**headers, "Content-Type": "application/json"}).status_code
        == 202
    )
    alert_id = db.session.execute(select(Alert.id).where(Alert.fingerprint == "interleaved")).scalar_one()
    db.session.remove()
    repeat_raw, repeat_headers = delivery("second")
    answers: list[int] = []

    def send_repeat() -> None:
        with app.app_context():
            client = app.test_client()
            answers.append(
                client.post(
                    path, data=repeat_raw, headers={**repeat_headers, "Content-Type": "application/json"}
                ).status_code
            )
            db.session.remove()

    with db.engine.connect() as resolver, db.engine.connect() as watcher:
        resolver.execute(text("UPDATE intake_alerts SET status = 'resolved' WHERE id = :id"), {"id": alert_id})
        thread = threading.Thread(target=send_repeat)
        thread.start()  # it reads the alert firing, then waits for our row lock to UPDATE it
        while thread.is_alive() and not _waiting_on_a_row_lock(watcher):
            watcher.commit()  # a new snapshot of pg_stat_activity
            time.sleep(0.01)
        resolver.commit()
        thread.join(timeout=60)
    assert answers == [202]
    db.session.expire_all()
    alert = db.session.get(Alert, alert_id)
    assert (alert.status, alert.annotations) == ("resolved", {"summary": "second"})
