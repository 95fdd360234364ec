"""What a source's page lists (issue 12, Admins): each delivery attempt of a known source and its
outcome — accepted, duplicate, refused with the reason code — never a secret, a header or a body.

Accepted and duplicate deliveries are logged in their own transaction (accept.py); a refusal
writes nothing of its own, so it is logged afterwards, at most REFUSALS_PER_MINUTE a minute per
source (a flood of bad deliveries cannot fill the table); each source keeps about its newest
KEEP refusals. And `send_test_delivery`: a delivery built, signed with the source's own secret
and passed to `accept_delivery` — the real intake path — carrying one *resolved* test alert,
which opens no incident.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from incident_hub.clock import utcnow
from incident_hub.errors import AppError
from incident_hub.extensions import db
from incident_hub.intake.signing import GRAFANA_SIGNATURE, GRAFANA_TIMESTAMP, sign_grafana, sign_standard_webhooks
from incident_hub.models import IntakeAttempt, Source
from incident_hub.services.intake.accept import IntakeRequest, IntakeResult, accept_delivery
from incident_hub.services.intake.sources import accepted_secrets, find_source
from incident_hub.services.uow import bookkeeping

log = logging.getLogger(__name__)
KEEP = 500
REFUSALS_PER_MINUTE = 60
_refusals: dict[int, tuple[float, int]] = {}
_lock = threading.Lock()


def _allow_refusal(source_id: int) -> bool:
    now = time.monotonic()
    with _lock:
        start, n = _refusals.get(source_id, (now, 0))
        if now - start >= 60:
            start, n = now, 0
        _refusals[source_id] = (start, n + 1)
        return n < REFUSALS_PER_MINUTE


def record_refusal(source_name: str, status: int, reason: str, test: bool = False) -> None:
    """A refused delivery of a known source, in its own short transaction. Never raises: the
    log is for people; the delivery's answer is already decided."""
    try:
        source_id = db.session.execute(select(Source.id).where(Source.name == source_name)).scalar_one_or_none()
        db.session.rollback()
        if source_id is None or not _allow_refusal(source_id):
            return
        with bookkeeping() as session:
            attempt = IntakeAttempt(
                source_id=source_id, at=utcnow(), outcome="refused", status_code=status, reason=reason[:300],
                delivery_id=None, alerts=0, incidents=[], test=test,
            )  # fmt: skip
            session.add(attempt)
            session.flush()
            if attempt.id % 50 == 0:
                _prune(session, source_id)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not record a refused intake delivery")


def _prune(session: Any, source_id: int) -> None:
    newest = select(IntakeAttempt.id).where(IntakeAttempt.source_id == source_id).order_by(IntakeAttempt.id.desc())
    cutoff = session.execute(newest.offset(KEEP).limit(1)).scalar()
    if cutoff is not None:
        session.execute(delete(IntakeAttempt).where(IntakeAttempt.source_id == source_id, IntakeAttempt.id <= cutoff))


def list_attempts(source_id: int, limit: int = 100) -> list[IntakeAttempt]:
    q = select(IntakeAttempt).where(IntakeAttempt.source_id == source_id).order_by(IntakeAttempt.id.desc())
    return list(db.session.execute(q.limit(limit)).scalars())


def attempt_view(a: IntakeAttempt) -> dict[str, Any]:
    return {
        "id": a.id,
        "at": a.at.isoformat().replace("+00:00", "Z"),
        "outcome": a.outcome,
        "status": a.status_code,
        "reason": a.reason,
        "delivery_id": a.delivery_id,
        "alerts": a.alerts,
        "incidents": a.incidents,
        "test": a.test,
    }


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
        result = accept_delivery(IntakeRequest(name, _headers(fmt, secret, body), body, True, test=True))
    except AppError as exc:
        record_refusal(name, exc.status, f"{exc.code}: {exc.message}", test=True)
        return exc.status, None, exc.message
    return (200 if result.duplicate else 202), result, ""
