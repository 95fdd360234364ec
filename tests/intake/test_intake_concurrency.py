"""Two copies at once (two workers): the UNIQUE key stores one, the advisory lock opens one
incident. Real threads, each with its own connection, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import func, select

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
