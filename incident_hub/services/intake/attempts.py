"""What a source's page lists (issue 12, Admins): its recent deliveries and their outcome —
accepted (the stored deliveries themselves) and refused with the reason code — never a secret,
a header or a body.

The intake path stays as lean as issue 18 made it: nothing is added to a delivery's own
transaction. A refusal writes nothing of its own, and a duplicate (a copy of a stored delivery,
answered 200) nothing new, so both are logged afterwards in their own short transaction
(`intake_attempts`), at most ATTEMPTS_PER_MINUTE a minute per source (a flood of bad or repeated
deliveries cannot fill the table); each source keeps about its newest KEEP such rows.

`send_test_delivery`: a delivery built, signed with the source's own secret and passed to
`accept_delivery` — the real intake path — carrying one *resolved* test alert, which opens no
incident.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from incident_hub.clock import utcnow
from incident_hub.errors import AppError
from incident_hub.extensions import db
from incident_hub.intake.signing import GRAFANA_SIGNATURE, GRAFANA_TIMESTAMP, sign_grafana, sign_standard_webhooks
from incident_hub.models import Alert, Delivery, IntakeAttempt, Source
from incident_hub.services.intake.accept import IntakeRequest, IntakeResult, accept_delivery
from incident_hub.services.intake.sources import accepted_secrets, find_source
from incident_hub.services.uow import bookkeeping

log = logging.getLogger(__name__)
KEEP = 500
ATTEMPTS_PER_MINUTE = 60
_attempts: dict[str, tuple[float, int]] = {}
_lock = threading.Lock()


def _allow_attempt(source_name: str) -> bool:
    now = time.monotonic()
    with _lock:
        start, n = _attempts.get(source_name, (now, 0))
        if now - start >= 60:
            start, n = now, 0
        _attempts[source_name] = (start, n + 1)
        return n < ATTEMPTS_PER_MINUTE


def record_refusal(source_name: str, status: int, reason: str, test: bool = False) -> None:
    """A refused delivery of a known source (the page lists it with the reason code)."""
    _record_attempt(source_name, "refused", status, reason, None, 0, test)


def record_duplicate(source_name: str, result: IntakeResult) -> None:
    """A copy of a stored delivery (answered 200): listed with the delivery it repeats."""
    _record_attempt(source_name, "duplicate", 200, "", result.delivery_id, result.alerts, False)


def _insert_attempt() -> Any:
    """INSERT … SELECT from the source's name (an unknown name inserts nothing), built once."""
    table: Any = IntakeAttempt.__table__
    names = ("at", "outcome", "status_code", "reason", "delivery_id", "alerts", "incidents", "test")
    values = [bindparam(name, type_=table.c[name].type).label(name) for name in names]
    chosen = select(Source.id, *values).where(Source.name == bindparam("source_name"))
    return insert(table).from_select(["source_id", *names], chosen).returning(table.c.id, table.c.source_id)


INSERT_ATTEMPT = _insert_attempt()


def _record_attempt(
    source_name: str, outcome: str, status: int, reason: str, delivery_id: int | None, alerts: int, test: bool
) -> None:
    """One row of the source page's list, in its own short transaction. Never raises: the log is
    for people; the delivery's answer is already decided."""
    try:
        db.session.rollback()
        if not _allow_attempt(source_name):
            return
        values = {"source_name": source_name, "at": utcnow(), "outcome": outcome, "status_code": status,
                  "reason": reason[:300], "delivery_id": delivery_id, "alerts": alerts, "incidents": [],
                  "test": test}  # fmt: skip
        with bookkeeping() as session:
            added = session.connection().execute(INSERT_ATTEMPT, values).one_or_none()
            if added is not None and added.id % 50 == 0:
                _prune(session, added.source_id)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not record an intake delivery's outcome (%s)", outcome)


def _prune(session: Any, source_id: int) -> None:
    newest = select(IntakeAttempt.id).where(IntakeAttempt.source_id == source_id).order_by(IntakeAttempt.id.desc())
    cutoff = session.execute(newest.offset(KEEP).limit(1)).scalar()
    if cutoff is not None:
        session.execute(delete(IntakeAttempt).where(IntakeAttempt.source_id == source_id, IntakeAttempt.id <= cutoff))


def source_deliveries(source_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The newest deliveries of a source, accepted and refused, newest first."""
    stored = db.session.execute(
        select(Delivery.id, Delivery.received_at, Delivery.alert_count)
        .where(Delivery.source_id == source_id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    ).all()
    ids = [d.id for d in stored]
    incidents: dict[int, list[int]] = {}
    if ids:
        q = select(Alert.first_delivery_id, Alert.incident_id).where(
            Alert.first_delivery_id.in_(ids), Alert.incident_id.is_not(None)
        )
        for delivery_id, incident_id in db.session.execute(q.distinct()).all():
            incidents.setdefault(delivery_id, []).append(incident_id)
    attempts = db.session.execute(
        select(IntakeAttempt).where(IntakeAttempt.source_id == source_id).order_by(IntakeAttempt.id.desc()).limit(limit)
    ).scalars()
    rows: list[dict[str, Any]] = []
    tests = set()
    for a in attempts:
        if a.outcome == "accepted":
            tests.add(a.delivery_id)
            continue
        rows.append({"at": a.at, "outcome": a.outcome, "status_code": a.status_code, "reason": a.reason,
                     "delivery_id": a.delivery_id, "alerts": a.alerts, "incidents": [], "test": a.test})  # fmt: skip
    for d in stored:
        rows.append({"at": d.received_at, "outcome": "accepted", "status_code": 202, "reason": "",
                     "delivery_id": d.id, "alerts": d.alert_count, "incidents": sorted(incidents.get(d.id, [])),
                     "test": d.id in tests})  # fmt: skip
    return sorted(rows, key=lambda r: r["at"], reverse=True)[:limit]


def _note_test(source_name: str, result: IntakeResult) -> None:
    """Mark a stored test delivery as one (the page tags it), in its own short transaction."""
    with bookkeeping() as session:
        source_id = session.execute(select(Source.id).where(Source.name == source_name)).scalar_one()
        session.add(
            IntakeAttempt(
                source_id=source_id, at=utcnow(), outcome="accepted", status_code=202, reason="",
                delivery_id=result.delivery_id, alerts=result.alerts, incidents=list(result.incidents), test=True,
            )
        )  # fmt: skip


def _test_body(fmt: str, fingerprint: str) -> bytes:
    now = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    alert = {
        "status": "resolved",
        "labels": {"alertname": "IncidentHubTestDelivery", "incident_hub_test": "true"},
        "annotations": {"summary": "Test delivery sent from the incident_hub source page"},
        "startsAt": now,
        "endsAt": now,
        "fingerprint": fingerprint,
    }
    if fmt == "generic":
        return json.dumps({"alerts": [alert]}).encode()
    group = {"receiver": "incident-hub", "status": "resolved", "groupKey": f"{{}}:{{test={fingerprint}}}"}
    extra: dict[str, Any] = {"version": "4"} if fmt == "alertmanager" else {"version": "1", "orgId": 1, "state": "ok"}
    body = {**group, **extra, "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": alert["labels"]}
    body |= {"commonAnnotations": {}, "externalURL": "", "alerts": [alert]}
    return json.dumps(body).encode()


def _headers(fmt: str, secret: str, body: bytes) -> Mapping[str, str]:
    ts = int(time.time())
    headers = {"Content-Type": "application/json"}
    if fmt == "generic":
        msg_id = f"msg_test_{secrets.token_hex(8)}"
        sig = sign_standard_webhooks(secret, msg_id, ts, body)
        return headers | {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}
    if fmt == "grafana":
        return headers | {GRAFANA_SIGNATURE: sign_grafana(secret, ts, body), GRAFANA_TIMESTAMP: str(ts)}
    return headers | {"Authorization": f"Bearer {secret}"}


def send_test_delivery(source_id: int) -> tuple[int, IntakeResult | None, str]:
    """(HTTP status the tool would get, the result when stored, the refusal's message)."""
    source = find_source(source_id)
    name, fmt, secret = source.name, source.format, accepted_secrets(source, utcnow())[0]
    db.session.rollback()
    body = _test_body(fmt, secrets.token_hex(8))
    try:
        result = accept_delivery(IntakeRequest(name, _headers(fmt, secret, body), body, True))
    except AppError as exc:
        record_refusal(name, exc.status, f"{exc.code}: {exc.message}", test=True)
        return exc.status, None, exc.message
    if result.duplicate:
        record_duplicate(name, result)
    else:
        _note_test(name, result)
    return (200 if result.duplicate else 202), result, ""
