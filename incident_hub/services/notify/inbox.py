"""The in-app side: a person's notifications (need to know applied again when read, so a rerouted
incident disappears from a DSS member's list), the unread count for the bell, marking read,
preferences, following."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select, true, update

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal, sees_all_incidents
from incident_hub.domain.notifications import (
    EVENTS,
    check_preferences,
    effective_channels,
)
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import IncidentFollower, IncidentUnit, Notification, NotificationPreference, User
from incident_hub.runtime import units
from incident_hub.services.notify.fan_out import follow
from incident_hub.services.uow import unit_of_work
from incident_hub.services.visibility import get_visible_incident


def _visible(principal: Principal) -> ColumnElement[bool]:
    if sees_all_incidents(principal, units()):
        return true()
    takes_part = exists().where(
        IncidentUnit.incident_id == Notification.incident_id, IncidentUnit.unit == principal.unit
    )
    return or_(Notification.incident_id.is_(None), takes_part)


def _mine(principal: Principal, unread: bool = False) -> Select[tuple[Notification]]:
    q = select(Notification).where(Notification.user_id == principal.user_id, _visible(principal))
    return q.where(Notification.read_at.is_(None)) if unread else q


def list_notifications(principal: Principal, unread: bool, page: int, per_page: int) -> tuple[list[Notification], int]:
    q = _mine(principal, unread)
    total = db.session.execute(select(func.count()).select_from(q.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(
        q.order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).scalars()
    return list(rows), total


def unread_count(principal: Principal) -> int:
    q = select(func.count()).select_from(_mine(principal, unread=True).subquery())
    return int(db.session.execute(q).scalar_one())


def notification_view(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "event": n.event,
        "created_at": to_iso(n.created_at),
        "read_at": to_iso(n.read_at),
        "object_type": n.object_type,
        "object_id": n.object_id,
        "incident_id": n.incident_id,
        "title": n.title,
        "url": n.url,
        "data": n.data or {},
    }


def mark_read(principal: Principal, notification_id: int) -> Notification:
    with unit_of_work(principal.username) as uow:
        n = uow.session.execute(_mine(principal).where(Notification.id == notification_id)).scalar_one_or_none()
        if n is None:
            raise NotFound(Text(N_("No notification %(id)s."), id=notification_id))
        if n.read_at is None:
            n.read_at = uow.now
    return n


def mark_all_read(principal: Principal) -> int:
    with unit_of_work(principal.username) as uow:
        result = uow.session.execute(
            update(Notification)
            .where(Notification.user_id == principal.user_id, Notification.read_at.is_(None))
            .values(read_at=uow.now)
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


def preferences(principal: Principal) -> dict[str, Any]:
    row = db.session.get(NotificationPreference, principal.user_id)
    language = db.session.execute(select(User.language).where(User.id == principal.user_id)).scalar()
    chosen = row.events if row is not None else None
    return {
        "events": {event: list(effective_channels(event, chosen)) for event in EVENTS},
        "digest": row.digest if row is not None else "off",
        "language": language,
    }


def set_preferences(principal: Principal, events: dict[str, Any], digest: str) -> dict[str, Any]:
    clean = check_preferences(events, digest)
    with unit_of_work(principal.username) as uow:
        row = uow.session.get(NotificationPreference, principal.user_id)
        before = {"events": row.events, "digest": row.digest} if row is not None else None
        merged = {**(row.events if row is not None else {}), **clean}
        if row is None:
            row = NotificationPreference(user_id=principal.user_id, events=merged, digest=digest, updated_at=uow.now)
            uow.session.add(row)
        else:
            row.events, row.digest, row.updated_at = merged, digest, uow.now
        uow.audit(
            "user.notification_preferences", "user", principal.user_id, before, {"events": merged, "digest": digest}
        )
    return preferences(principal)


def followers(principal: Principal, incident_id: int) -> list[dict[str, Any]]:
    incident = get_visible_incident(principal, incident_id)
    rows = db.session.execute(
        select(User.id, User.username, User.unit, IncidentFollower.created_at)
        .join(IncidentFollower, IncidentFollower.user_id == User.id)
        .where(IncidentFollower.incident_id == incident.id)
        .order_by(User.username)
    ).all()
    return [{"id": i, "username": u, "unit": unit, "since": to_iso(at)} for i, u, unit, at in rows]


def is_following(principal: Principal, incident_id: int) -> bool:
    q = exists().where(IncidentFollower.incident_id == incident_id, IncidentFollower.user_id == principal.user_id)
    return bool(db.session.execute(select(q)).scalar())


def set_following(principal: Principal, incident_id: int, on: bool) -> None:
    """Anyone who may see an incident may follow or unfollow it (404 otherwise)."""
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        if on:
            follow(uow, incident.id, [principal.user_id])
        else:
            uow.session.execute(
                delete(IncidentFollower).where(
                    IncidentFollower.incident_id == incident.id, IncidentFollower.user_id == principal.user_id
                )
            )
