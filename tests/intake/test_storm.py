"""Alert storms (issue 18): one Alertmanager delivery carrying 500 new alerts of one group opens
the group's one incident and stores every alert; many such deliveries at once, with resent
copies, lose nothing and double nothing. Through the HTTP endpoint, on SQLite and PostgreSQL.
No timed assertion: bench/intake.py --mix storm measures the time."""

from __future__ import annotations

import json
import threading
from typing import Any

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Alert, Delivery, Incident
from tests.intake.factories import make_source, payload, signed_headers

STORM = 500
THREADS = 8


def storm_body(group: str, delivery: int, alerts: int = STORM) -> bytes:
    """An Alertmanager delivery of `alerts` new alerts of one group (a rack losing power)."""
    data = payload("alertmanager")
    template = data["alerts"][0]
    data["groupKey"] = f'{{}}:{{rack="{group}"}}'
    data["groupLabels"] = {"rack": group}
    data["alerts"] = [
        {
            **template,
            "fingerprint": f"{group}-{delivery:03d}-{k:04d}",
            "labels": {**template["labels"], "rack": group, "instance": f"reader-{delivery}-{k}"},
            "annotations": {"summary": f"reader {k} offline"},
        }
        for k in range(alerts)
    ]
    return json.dumps(data).encode()


def _post(client: Any, name: str, secret: str, body: bytes) -> Any:
    headers = {**signed_headers("alertmanager", secret, body), "Content-Type": "application/json"}
    return client.post(f"/api/v1/intake/{name}", data=body, headers=headers)


def _count(stmt: Any) -> int:
    db.session.expire_all()
    return db.session.execute(stmt).scalar_one()


def test_one_storm_delivery_opens_one_incident_and_stores_every_alert(app, client):
    source, secret = make_source("alertmanager")
    response = _post(client, source.name, secret, storm_body("rack-a", 0))
    assert response.status_code == 202, response.get_json()
    answer = response.get_json()
    assert answer["alerts"] == STORM and answer["duplicate"] is False
    assert len(answer["incidents"]) == 1
    incident_id = answer["incidents"][0]
    assert _count(select(func.count()).select_from(Incident)) == 1
    assert _count(select(func.count()).where(Alert.incident_id == incident_id)) == STORM
    assert _count(select(func.count(func.distinct(Alert.fingerprint)))) == STORM


def test_storm_deliveries_from_eight_threads_lose_nothing_and_double_nothing(app):
    """50 deliveries of 500 alerts from 8 threads: 40 distinct (8 groups × 5) and 10 resent
    copies; a 503 is retried as Alertmanager does. Every acknowledged delivery is stored once,
    every alert once, and each group has one incident."""
    source, secret = make_source("alertmanager")
    name = source.name
    groups = [f"rack-{g}" for g in range(8)]
    distinct = [storm_body(g, d) for d in range(5) for g in groups]
    sends = distinct + distinct[::4]  # 40 + 10 copies
    assert len(sends) == 50
    db.session.remove()
    answers: list[tuple[int, dict[str, Any]]] = []
    lock, cursor = threading.Lock(), iter(range(len(sends)))

    def worker() -> None:
        with app.app_context():
            http = app.test_client()
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                for _ in range(20):
                    response = _post(http, name, secret, sends[i])
                    if response.status_code != 503:
                        break
                with lock:
                    answers.append((response.status_code, response.get_json()))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert len(answers) == 50
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 10 + [202] * 40, statuses
    stored_ids = {a["delivery_id"] for s, a in answers if s == 202}
    assert len(stored_ids) == 40  # each acknowledged new delivery is its own row
    assert {a["delivery_id"] for s, a in answers if s == 200} <= stored_ids  # copies answer the stored one
    assert _count(select(func.count()).select_from(Delivery)) == 40
    assert _count(select(func.count()).select_from(Alert)) == 40 * STORM
    assert _count(select(func.count(func.distinct(Alert.fingerprint)))) == 40 * STORM
    assert _count(select(func.count()).select_from(Incident)) == len(groups)
    per_group = db.session.execute(select(Alert.group_key, func.count(func.distinct(Alert.incident_id))).group_by(
        Alert.group_key)).all()  # fmt: skip
    assert len(per_group) == len(groups) and all(n == 1 for _, n in per_group)
