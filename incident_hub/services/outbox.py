"""The transactional outbox: every message that leaves the app (reference/STANDARDS.md §4).

Channels: `webhook` (the escalation webhook, Standard Webhooks 1.0.0), `email` (SMTP, rendered
when sent: services/notify/email.py), `teams` and `slack` (services/notify/chat.py).
A message is written in the same transaction as the event it reports, then delivered by the
scheduler: signed (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`
over `{id}.{timestamp}.{body}`, by intake/signing.py's signer, the one that checks intake),
retried with exponential backoff (honouring `Retry-After`), and recorded as `delivered`, `failed`
(shown to admins on /admin/channels) or `cancelled` (the recipient was disabled or the channel
removed before it left). The webhook-id stays the same across retries, so the receiver can
de-duplicate. Deliveries claim their row first, so two schedulers never send one attempt twice.
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
from incident_hub.services.notify.attempt import Attempt
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
        channel="webhook",
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


def _post(message: OutboxMessage, now: datetime) -> Attempt:
    """One signed webhook attempt."""
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
        return Attempt(False, None, f"{exc.__class__.__name__}: {exc}"[:500])
    retry_after = response.headers.get("Retry-After", "")
    return Attempt(
        response.ok,
        response.status_code,
        "" if response.ok else response.text[:500],
        int(retry_after) if retry_after.isdigit() else None,
        permanent=response.status_code in GIVE_UP_STATUSES,
    )


def _send(message: OutboxMessage, now: datetime) -> Attempt:
    from incident_hub.services.notify.chat import send_chat
    from incident_hub.services.notify.email import send_email

    try:
        if message.channel == "email":
            return send_email(message)
        if message.channel in ("teams", "slack"):
            return send_chat(message)
        return _post(message, now)
    except Exception as exc:  # a rendering bug fails this message visibly, never the whole run
        log.exception("outbox message %s could not be sent", message.message_id)
        db.session.rollback()
        return Attempt(False, None, f"{exc.__class__.__name__}: {exc}"[:500], permanent=True)


def _record(message_id: int, now: datetime, attempt: Attempt) -> str:
    with bookkeeping() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        _record_attempt(message, now, attempt)
        return message.status


def _record_attempt(message: OutboxMessage, now: datetime, attempt: Attempt) -> None:
    message.last_status_code, message.last_error = attempt.code, attempt.error
    if attempt.delivered:
        message.status, message.delivered_at = "delivered", now
    elif attempt.cancelled:
        message.status = "cancelled"
    elif attempt.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        # Not the error text: it may quote the receiver's URL (a chat webhook URL is a credential).
        log.warning(
            "%s message %s failed for good after %d attempt(s): %s",
            message.channel,
            message.message_id,
            message.attempts,
            attempt.code,
        )
    else:
        wait = max(backoff(message.attempts), timedelta(seconds=attempt.retry_after or 0))
        message.next_attempt_at = now + min(wait, BACKOFF_CAP)


def deliver_due(now: datetime | None = None, limit: int = 50) -> dict[str, int]:
    """Queue what notifications still have to send (notify/relay.py), then send every pending
    message whose time has come; counts of delivered / retrying / failed."""
    from incident_hub.services.notify.relay import relay_notifications

    now = now or utcnow()
    relay_notifications(now)
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
    counts = {"delivered": 0, "retrying": 0, "failed": 0, "cancelled": 0}
    for message_id in ids:
        if not _claim(message_id, now):
            continue
        message = db.session.get(OutboxMessage, message_id)
        assert message is not None
        kind = message.kind
        with bound_request_id(message.request_id or current_request_id()):
            outcome = _attempt(message, now)
        counts[outcome] += 1
        metrics.count_outbox(kind, outcome)
    return counts


OUTCOMES = {"delivered": "delivered", "failed": "failed", "cancelled": "cancelled"}


def _attempt(message: OutboxMessage, now: datetime) -> str:
    """One attempt, logged under the request id that queued the message; its outcome."""
    message_id, channel, public_id = message.id, message.channel, message.message_id
    attempt = _send(message, now)
    db.session.rollback()  # the renderers only read; the outcome is recorded on a fresh transaction
    outcome = OUTCOMES.get(_record(message_id, now, attempt), "retrying")
    log.info("%s message %s %s: answered %s", channel, public_id, outcome, attempt.code or "nothing")
    return outcome
