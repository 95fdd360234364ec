"""The relay: notifications marked `relay_pending` (an email to a person, a message to a unit's chat
channel) become outbox messages, at the start of each run of the scheduler's outbox job, so the
request that caused the event wrote one multi-row INSERT (fan_out.py; issue 18) and the message
still leaves within one tick, with the outbox's retries and its exactly-once delivery.

Each row is claimed once (`UPDATE … WHERE relay_pending`): when two schedulers relay the same rows,
the second claims fewer than it read and rolls back, so no message is queued twice. The recipient
is read now: a person disabled, or left without an email address, since the event is not written
to; a channel removed or switched off is not either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update

from incident_hub.domain.notifications import EMAIL
from incident_hub.models import ChatChannel, Notification, OutboxMessage, User
from incident_hub.services.notify.fan_out import outbox_values
from incident_hub.services.uow import bookkeeping
from incident_hub.services.upsert import multirow_insert

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
INSERT_OUTBOX = multirow_insert(OUTBOX)
PENDING = (
    select(
        Notification.id,
        Notification.user_id,
        Notification.channel_id,
        Notification.event,
        Notification.object_type,
        Notification.object_id,
        Notification.incident_id,
        Notification.data,
        Notification.request_id,
        User.email,
        User.active,
        ChatChannel.kind,
        ChatChannel.url,
        ChatChannel.active.label("channel_active"),
    )
    .outerjoin(User, User.id == Notification.user_id)
    .outerjoin(ChatChannel, ChatChannel.id == Notification.channel_id)
    .where(Notification.relay_pending.is_(True))
    .order_by(Notification.id)
)


def relay_notifications(now: datetime, limit: int = 500) -> int:
    """Queue the outbox messages of up to `limit` marked notifications; how many were queued."""
    with bookkeeping() as session:
        rows = session.execute(PENDING.limit(limit)).all()
        if not rows:
            return 0
        ids = [row.id for row in rows]
        claimed = session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.relay_pending.is_(True))
            .values(relay_pending=False)
        )
        if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
            session.rollback()  # another scheduler relays them
            return 0
        messages = [m for m in (_message(row, now) for row in rows) if m is not None]
        if messages:
            session.execute(INSERT_OUTBOX, messages)
        return len(messages)


def _message(row: Any, now: datetime) -> dict[str, Any] | None:
    base = {"event": row.event, "object_type": row.object_type, "object_id": row.object_id}
    base["incident_id"] = row.incident_id
    data = dict(row.data or {})
    if row.user_id is not None:
        if not (row.active and row.email):
            return None
        payload = {**base, "user_id": row.user_id, **data}
        return outbox_values(now, row.event, EMAIL, f"mailto:{row.email}", payload, row.request_id)
    if row.channel_id is None or not row.channel_active:
        return None
    payload = {**base, "channel_id": row.channel_id, **data}
    return outbox_values(now, row.event, row.kind, row.url, payload, row.request_id)
