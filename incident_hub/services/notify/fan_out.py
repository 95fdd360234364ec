"""Fan-out: who hears of an event (domain/notifications.py) turned into rows, inside the caller's unit
of work (DOMAIN.md "Reaching people": a message is written with the change that causes it).

It only writes rows — one SELECT of the people concerned (with their preferences), one of the
units' chat channels, then one multi-row INSERT of in-app notifications and one of outbox rows
for email and chat — so the request that caused the event is not slowed by any delivery. The
scheduler renders and sends the outbox rows (services/outbox.py, email.py, chat.py).

Need to know: nobody is told of an incident they may not see (a DSS member hears only of
incidents DSS takes part in), whatever the audience; the person who caused the event is not told.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, insert, or_, select

from incident_hub.domain.access import MANAGER, Principal, sees_all_incidents
from incident_hub.domain.notifications import (
    EMAIL,
    EVENTS,
    Audience,
    effective_channels,
    goes_to_digest,
)
from incident_hub.logs import current_request_id
from incident_hub.models import ChatChannel, IncidentFollower, Notification, NotificationPreference, OutboxMessage, User
from incident_hub.runtime import units
from incident_hub.services.uow import UnitOfWork

NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Subject:
    """What an event is about. `incident_units` ({unit: lead|partner|informed}) decides who may see it."""

    object_type: str  # incident | action | assessment
    object_id: int
    title: str  # shown in the app only; email and chat follow the TLP rule when they render
    url: str  # path inside the app
    incident_id: int | None = None
    incident_units: dict[str, str] | None = None  # None: not tied to an incident
    owner_id: int | None = None  # incident owner
    assignee_id: int | None = None
    owner_unit: str | None = None  # action's owner unit
    units: tuple[str, ...] = ()  # signing / joint units of an assessment
    user_ids: tuple[int, ...] = ()  # mentioned people, a new owner
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Person:
    id: int
    role: str
    unit: str | None
    email: str | None
    events: dict[str, list[str]] | None
    digest: str


def _audience_clause(audience: Audience, s: Subject) -> ColumnElement[bool]:
    unit_managers = and_(User.role == MANAGER, or_(User.unit.is_(None), User.unit.in_(s.units or [s.owner_unit])))
    match audience:
        case Audience.INCIDENT_UNITS:
            return User.unit.in_(list(s.incident_units or {}))
        case Audience.OWNER:
            return User.id == s.owner_id if s.owner_id else false()
        case Audience.FOLLOWERS:
            followers = select(IncidentFollower.user_id).where(IncidentFollower.incident_id == s.incident_id)
            return User.id.in_(followers)
        case Audience.ASSIGNEE:
            return User.id == s.assignee_id if s.assignee_id else false()
        case Audience.ASSIGNEE_ELSE_OWNER_UNIT:
            return User.id == s.assignee_id if s.assignee_id else User.unit == s.owner_unit
        case Audience.OWNER_UNIT_MANAGERS | Audience.JOINT_UNITS_MANAGERS:
            return unit_managers
        case Audience.SIGNING_UNITS:
            return User.unit.in_(list(s.units))
        case Audience.MENTIONED:
            return User.id.in_(list(s.user_ids)) if s.user_ids else false()
    raise AssertionError(audience)


def may_see(person: Person, s: Subject) -> bool:
    """Need to know (domain/access.py): the cyber-cleared see every incident, others their unit's."""
    if s.incident_units is None:
        return True
    principal = Principal(person.id, "", person.role, person.unit)
    return sees_all_incidents(principal, units()) or (person.unit or "") in s.incident_units


def people(uow: UnitOfWork, event: str, s: Subject, actor_id: int | None) -> list[Person]:
    clauses = [_audience_clause(a, s) for a in EVENTS[event].audiences]
    # On the connection (Core): plain rows, without the ORM's per-statement work, in the same transaction.
    rows = (
        uow.session.connection()
        .execute(
            select(
                User.id,
                User.role,
                User.unit,
                User.email,
                NotificationPreference.events,
                NotificationPreference.digest,
            )
            .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
            .where(User.active.is_(True), or_(*clauses))
            .order_by(User.id)
        )
        .all()
    )
    found = [Person(r[0], r[1], r[2], r[3], r[4], r[5] or "off") for r in rows]
    return [p for p in found if p.id != actor_id and may_see(p, s)]


def outbox_values(now: datetime, event: str, channel: str, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An outbox row naming the event and its objects; the message is rendered when it is sent."""
    return {
        "message_id": "msg_" + secrets.token_urlsafe(18),
        "kind": event,
        "channel": channel,
        "url": url,
        "body": json.dumps(payload, separators=(",", ":"), sort_keys=True),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
        "request_id": current_request_id(),
    }


def _chat_units(event: str, s: Subject) -> list[str]:
    if s.incident_units is not None and EVENTS[event].audiences == (Audience.INCIDENT_UNITS,):
        return list(s.incident_units)
    return [u for u in (*s.units, s.owner_unit) if u]


def notify(uow: UnitOfWork, event: str, s: Subject, actor_id: int | None = None) -> int:
    """Write the notifications of one event; how many people it reaches."""
    assert event in EVENTS, event
    found = people(uow, event, s, actor_id)
    base = {"event": event, "object_type": s.object_type, "object_id": s.object_id, "incident_id": s.incident_id}
    notes, outbox = [], []
    for person in found:
        data = {**s.data, "relation": (s.incident_units or {}).get(person.unit or "")}
        channels = effective_channels(event, person.events)
        wants_mail = EMAIL in channels and bool(person.email)
        held = wants_mail and goes_to_digest(event, person.digest)
        notes.append(
            {
                **base,
                "user_id": person.id,
                "title": s.title[:300],
                "url": s.url,
                "data": data,
                "digest_pending": held,
                "created_at": uow.now,
            }
        )
        if wants_mail and not held:
            outbox.append(
                outbox_values(uow.now, event, EMAIL, f"mailto:{person.email}", {**base, "user_id": person.id, **data})
            )
    outbox += _chat_messages(uow, event, s, base)
    # Core executemany (one multi-row INSERT each): no ORM objects are needed for these rows.
    if notes:
        uow.session.connection().execute(insert(NOTIFICATIONS), notes)
    if outbox:
        uow.session.connection().execute(insert(OUTBOX), outbox)
    return len(notes)


def _chat_messages(uow: UnitOfWork, event: str, s: Subject, base: dict[str, Any]) -> list[dict[str, Any]]:
    chat_units = _chat_units(event, s)
    if not chat_units:
        return []
    channels = (
        uow.session.connection()
        .execute(
            select(ChatChannel.id, ChatChannel.unit, ChatChannel.kind, ChatChannel.url, ChatChannel.events).where(
                ChatChannel.unit.in_(chat_units), ChatChannel.active.is_(True)
            )
        )
        .all()
    )
    return [
        outbox_values(
            uow.now,
            event,
            kind,
            url,
            {**base, "channel_id": cid, "unit": unit, **s.data, "relation": (s.incident_units or {}).get(unit)},
        )
        for cid, unit, kind, url, events in channels
        if event in (events or [])
    ]


def notify_many(uow: UnitOfWork, items: Iterable[tuple[str, Subject]], actor_id: int | None = None) -> int:
    return sum(notify(uow, event, s, actor_id) for event, s in items)


def incident_subject(incident: Any, relations: dict[str, str] | None = None, **extra: Any) -> Subject:
    """The subject of an incident event; `relations` defaults to the incident's stored routing."""
    if relations is None:
        relations = {incident.lead_unit: "lead"}
        relations.update({u: "partner" for u in incident.partner_units or []})
        relations.update({u: "informed" for u in incident.informed_units or []})
    return Subject(
        object_type="incident",
        object_id=incident.id,
        title=incident.title,
        url=f"/incidents/{incident.id}",
        incident_id=incident.id,
        incident_units=relations,
        owner_id=incident.owner_id,
        **extra,
    )


def follow(uow: UnitOfWork, incident_id: int, user_ids: Sequence[int | None]) -> None:
    """Make people follow an incident (creator, owner, assignees), ignoring those who already do."""
    from incident_hub.services.upsert import insert_ignore

    for user_id in dict.fromkeys(u for u in user_ids if u):
        insert_ignore(
            uow.session,
            IncidentFollower,
            {"incident_id": incident_id, "user_id": user_id, "created_at": uow.now},
            ("incident_id", "user_id"),
        )
