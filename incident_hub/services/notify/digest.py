"""The hourly digest: low-priority email for people who chose `digest: hourly` waits in their
in-app notifications (`digest_pending`) and leaves as one email an hour. Each notification is
claimed once (`UPDATE … WHERE digest_pending`), so two schedulers never mail it twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Notification, OutboxMessage, User
from incident_hub.services.notify.fan_out import outbox_values
from incident_hub.services.notify.render import Rendered, digest_message
from incident_hub.services.uow import unit_of_work

ACTOR = "scheduler"


def send_digests(now: datetime | None = None, limit: int = 500) -> int:
    """Queue one digest email per person with waiting notifications; how many were queued."""
    now = now or utcnow()
    user_ids = (
        db.session.execute(
            select(Notification.user_id).where(Notification.digest_pending.is_(True)).distinct().limit(limit)
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    return sum(1 for user_id in user_ids if user_id is not None and _queue_digest(user_id, now))


def _queue_digest(user_id: int, now: datetime) -> bool:
    with unit_of_work(ACTOR) as uow:
        uow.now = now
        ids = list(
            uow.session.execute(
                select(Notification.id).where(Notification.user_id == user_id, Notification.digest_pending.is_(True))
            ).scalars()
        )
        claimed = uow.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.digest_pending.is_(True))
            .values(digest_pending=False)
        )
        if claimed.rowcount != len(ids) or not ids:  # type: ignore[attr-defined]
            uow.session.rollback()
            return False
        email = uow.session.execute(select(User.email).where(User.id == user_id)).scalar()
        payload = {"digest": True, "user_id": user_id, "notification_ids": ids}
        uow.session.add(OutboxMessage(**outbox_values(uow.now, "digest", "email", f"mailto:{email}", payload)))
    return True


def digest_email(payload: dict[str, Any]) -> tuple[Rendered | None, str]:
    user = db.session.get(User, payload["user_id"])
    if user is None or not user.active or not user.email:
        return None, ""
    rows = db.session.execute(
        select(Notification).where(Notification.id.in_(payload["notification_ids"])).order_by(Notification.id)
    ).scalars()
    items = [
        {
            "event": n.event,
            "object_type": n.object_type,
            "object_id": n.object_id,
            "incident_id": n.incident_id,
            **(n.data or {}),
        }
        for n in rows
    ]
    if not items:
        return None, ""
    return digest_message(user, items), user.email
