"""Fan-out: who hears of an event (domain/notifications.py) turned into rows, inside the caller's unit
of work (DOMAIN.md "Reaching people": a message is written with the change that causes it).

It only writes rows — one multi-row INSERT of notifications: one per person told, and one per unit
chat channel, those that also leave the app (email, chat) marked `relay_pending` — so the request
that caused the event is not slowed by any delivery (issue 18: one INSERT). The people, their
preferences and the channels come from the worker's checked copy (services/config_cache.py); only
an incident's followers are read. The scheduler's outbox job turns marked rows into outbox
messages (relay.py), then renders and sends them (services/outbox.py, email.py, chat.py).

Need to know: nobody is told of an incident they may not see (a DSS member hears only of
incidents DSS takes part in), whatever the audience; the person who caused the event is not told.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select

from incident_hub.domain.access import MANAGER, Principal, sees_all_incidents
from incident_hub.domain.notifications import (
    EMAIL,
    EVENTS,
    Audience,
    effective_channels,
    goes_to_digest,
)
from incident_hub.logs import current_request_id
from incident_hub.models import IncidentFollower, Notification
from incident_hub.runtime import units
from incident_hub.services.config_cache import ConfigSnapshot, Person, config_of
from incident_hub.services.uow import UnitOfWork
from incident_hub.services.upsert import multirow_insert

NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]
INSERT_NOTIFICATIONS = multirow_insert(NOTIFICATIONS)


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


def _members(config: ConfigSnapshot, units: Iterable[str | None]) -> Iterator[Person]:
    for unit in units:
        yield from config.people_by_unit.get(unit, ())


def _by_id(config: ConfigSnapshot, ids: Iterable[int | None]) -> Iterator[Person]:
    for user_id in ids:
        person = config.people_by_id.get(user_id) if user_id else None
        if person is not None:
            yield person


def _audience(config: ConfigSnapshot, audience: Audience, s: Subject, followers: Sequence[int]) -> Iterator[Person]:
    match audience:
        case Audience.INCIDENT_UNITS:
            return _members(config, s.incident_units or {})
        case Audience.OWNER:
            return _by_id(config, [s.owner_id])
        case Audience.FOLLOWERS:
            return _by_id(config, followers)
        case Audience.ASSIGNEE:
            return _by_id(config, [s.assignee_id])
        case Audience.ASSIGNEE_ELSE_OWNER_UNIT:
            return _by_id(config, [s.assignee_id]) if s.assignee_id else _members(config, [s.owner_unit])
        case Audience.OWNER_UNIT_MANAGERS | Audience.JOINT_UNITS_MANAGERS:
            units = set(s.units or [s.owner_unit])
            return (p for p in config.people if p.role == MANAGER and (p.unit is None or p.unit in units))
        case Audience.SIGNING_UNITS:
            return _members(config, s.units)
        case Audience.MENTIONED:
            return _by_id(config, s.user_ids)
    raise AssertionError(audience)


def may_see(person: Person, s: Subject) -> bool:
    """Need to know (domain/access.py): the cyber-cleared see every incident, others their unit's."""
    if s.incident_units is None:
        return True
    principal = Principal(person.id, "", person.role, person.unit)
    return sees_all_incidents(principal, units()) or (person.unit or "") in s.incident_units


def _followers(uow: UnitOfWork, s: Subject) -> list[int]:
    q = select(IncidentFollower.user_id).where(IncidentFollower.incident_id == s.incident_id)
    return list(uow.session.connection().execute(q).scalars())


def people(uow: UnitOfWork, event: str, s: Subject, actor_id: int | None) -> list[Person]:
    """The active people an event reaches, from the worker's copy of the people and their
    preferences (services/config_cache.py); only an incident's followers are read here."""
    config = config_of(uow)
    audiences = EVENTS[event].audiences
    followers = _followers(uow, s) if Audience.FOLLOWERS in audiences and s.incident_id else []
    found = {p.id: p for audience in audiences for p in _audience(config, audience, s, followers)}
    return [found[i] for i in sorted(found) if i != actor_id and may_see(found[i], s)]


def outbox_values(
    now: datetime, event: str, channel: str, url: str, payload: dict[str, Any], request_id: str | None = None
) -> dict[str, Any]:
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
        "request_id": request_id if request_id is not None else current_request_id(),
    }


def _chat_units(event: str, s: Subject) -> list[str]:
    if s.incident_units is not None and EVENTS[event].audiences == (Audience.INCIDENT_UNITS,):
        return list(s.incident_units)
    return [u for u in (*s.units, s.owner_unit) if u]


def notify(uow: UnitOfWork, event: str, s: Subject, actor_id: int | None = None) -> int:
    """Write the notifications of one event in one multi-row INSERT: a row per person told in the
    app, marked `relay_pending` when they also get an email, and a row per unit chat channel; the
    outbox job turns the marked rows into outbox messages (relay.py). How many people it reaches."""
    assert event in EVENTS, event
    found = people(uow, event, s, actor_id)
    base = {"event": event, "object_type": s.object_type, "object_id": s.object_id, "incident_id": s.incident_id}
    common = {**base, "title": s.title[:300], "url": s.url, "created_at": uow.now, "request_id": current_request_id()}
    rows = []
    for person in found:
        data = {**s.data, "relation": (s.incident_units or {}).get(person.unit or "")}
        wants_mail = EMAIL in effective_channels(event, person.events) and bool(person.email)
        held = wants_mail and goes_to_digest(event, person.digest)
        rows.append(
            {**common, "user_id": person.id, "channel_id": None, "data": data, "digest_pending": held,
             "relay_pending": wants_mail and not held}
        )  # fmt: skip
    chat_units = set(_chat_units(event, s))
    for channel in config_of(uow).channels:
        if channel.unit in chat_units and event in channel.events:
            data = {**s.data, "relation": (s.incident_units or {}).get(channel.unit), "unit": channel.unit}
            rows.append(
                {**common, "user_id": None, "channel_id": channel.id, "data": data, "digest_pending": False,
                 "relay_pending": True}
            )  # fmt: skip
    if rows:  # Core: no ORM objects are needed for these rows
        uow.session.connection().execute(INSERT_NOTIFICATIONS, rows)
    return len(found)


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
