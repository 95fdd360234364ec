"""Outbound webhooks through an outbox (reference/STANDARDS.md §4, Standard Webhooks 1.0.0).

A message is written in the same transaction as the event it reports, then delivered by the
scheduler: signed (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`
over `{id}.{timestamp}.{body}`, by intake/signing.py's signer, the one that checks intake),
retried with exponential backoff (honouring `Retry-After`), and
recorded as `delivered` or `failed`. The webhook-id stays the same across retries, so the receiver
can de-duplicate. Deliveries claim their row first, so two schedulers never send one attempt twice.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

import requests  # type: ignore[import-untyped]
from sqlalchemy import select, update

from incident_hub import metrics
from incident_hub.clock import utcnow
from incident_hub.domain.audit_chain import iso_utc
from incident_hub.extensions import db
from incident_hub.intake.signing import sign_standard_webhooks
from incident_hub.logs import bound_request_id, current_request_id
from incident_hub.models import OutboxMessage
from incident_hub.runtime import settings
from incident_hub.services.uow import UnitOfWork, bookkeeping

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
CLAIM_LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 15
GIVE_UP_STATUSES = (400, 401, 403, 404, 410, 413, 422)


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s, … capped at 2 h, after the n-th failed attempt."""
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_CAP)


def enqueue(uow: UnitOfWork, kind: str, payload: dict[str, Any]) -> OutboxMessage | None:
    """Queue a webhook to the configured escalation URL (None when no URL is configured)."""
    url = settings().escalation_webhook_url
    if not url:
        return None
    envelope = {"type": kind, "timestamp": iso_utc(uow.now), "data": payload}
    body = json.dumps(envelope, separators=(",", ":"))
    message = OutboxMessage(
        message_id="msg_" + secrets.token_urlsafe(18),
        kind=kind,
        url=url,
        body=body,
        status="pending",
        attempts=0,
        next_attempt_at=uow.now,
        last_error="",
        created_at=uow.now,
        request_id=current_request_id(),
    )
    uow.session.add(message)
    return message


def _claim(message_id: int, now: datetime) -> bool:
    with bookkeeping() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id, OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now
            )
            .values(next_attempt_at=now + CLAIM_LEASE, attempts=OutboxMessage.attempts + 1)
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _post(message: OutboxMessage, now: datetime) -> tuple[int | None, str, int | None]:
    """(status code or None, error text, Retry-After seconds or None) of one attempt."""
    timestamp = int(now.timestamp())
    headers = {"content-type": "application/json", "webhook-id": message.message_id}
    headers["webhook-timestamp"] = str(timestamp)
    if message.request_id:
        headers["X-Request-ID"] = message.request_id
    secret = settings().escalation_webhook_secret
    if secret:
        headers["webhook-signature"] = sign_standard_webhooks(secret, message.message_id, timestamp, message.body)
    try:
        response = requests.post(message.url, data=message.body.encode(), headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return None, f"{exc.__class__.__name__}: {exc}"[:500], None
    retry_after = response.headers.get("Retry-After", "")
    return (
        response.status_code,
        "" if response.ok else response.text[:500],
        int(retry_after) if retry_after.isdigit() else None,
    )


def _record(message: OutboxMessage, now: datetime, code: int | None, error: str, retry_after: int | None) -> None:
    with bookkeeping():
        _record_attempt(message, now, code, error, retry_after)


def _record_attempt(
    message: OutboxMessage, now: datetime, code: int | None, error: str, retry_after: int | None
) -> None:
    message.last_status_code, message.last_error = code, error
    if code is not None and 200 <= code < 300:
        message.status, message.delivered_at = "delivered", now
    elif code in GIVE_UP_STATUSES or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        # Not the error text: it may quote the receiver's URL (a chat webhook URL is a credential).
        log.warning("webhook %s failed for good after %d attempt(s): %s", message.message_id, message.attempts, code)
    else:
        wait = max(backoff(message.attempts), timedelta(seconds=retry_after or 0))
        message.next_attempt_at = now + min(wait, BACKOFF_CAP)


def deliver_due(now: datetime | None = None, limit: int = 50) -> dict[str, int]:
    """Send every pending message whose time has come; counts of delivered / retrying / failed."""
    now = now or utcnow()
    ids = (
        db.session.execute(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for message_id in ids:
        if not _claim(message_id, now):
            continue
        message = db.session.get(OutboxMessage, message_id)
        assert message is not None
        with bound_request_id(message.request_id or current_request_id()):
            outcome = _attempt(message, now)
        counts[outcome] += 1
        metrics.count_outbox(message.kind, outcome)
    return counts


def _attempt(message: OutboxMessage, now: datetime) -> str:
    """One attempt, logged under the request id that queued the message; its outcome."""
    code, error, retry_after = _post(message, now)
    _record(message, now, code, error, retry_after)
    outcome = "delivered" if message.status == "delivered" else "failed" if message.status == "failed" else "retrying"
    log.info("webhook %s %s: attempt %d answered %s", message.message_id, outcome, message.attempts, code or "nothing")
    return outcome
