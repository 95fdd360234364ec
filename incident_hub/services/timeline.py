"""The one place that adds events to an incident's timeline (DOMAIN.md "Incidents").

Events join the caller's unit of work, so a change and its timeline lines are stored together:
every event of a unit of work goes into one multi-row INSERT just before commit, in the order
added (`add_event`, `add_events`). `add_event_now` stores one at once, for a caller that needs
its id (a comment).
The timeline is not need-to-know filtered: bodies never carry detection details or alert labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from incident_hub.models import TimelineEvent
from incident_hub.services.uow import UnitOfWork


def add_event(uow: UnitOfWork, incident_id: int, kind: str, body: str, data: dict[str, Any] | None = None) -> None:
    add_events(uow, incident_id, [(kind, body, data)])


def add_events(uow: UnitOfWork, incident_id: int, events: Iterable[tuple[str, str, dict[str, Any] | None]]) -> None:
    """Several events (kind, body, data) of one incident, batched with the unit of work's others."""
    for kind, body, data in events:
        row = {"incident_id": incident_id, "at": uow.now, "kind": kind, "actor": uow.actor, "body": body, "data": data}
        uow.later_event(row)


def add_event_now(
    uow: UnitOfWork, incident_id: int, kind: str, body: str, data: dict[str, Any] | None = None
) -> TimelineEvent:
    """One event stored with the next flush, its id then known."""
    uow.flush_events()
    event = TimelineEvent(incident_id=incident_id, at=uow.now, kind=kind, actor=uow.actor, body=body, data=data)
    uow.session.add(event)
    return event
