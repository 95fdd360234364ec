"""The one place that adds an event to an incident's timeline (DOMAIN.md "Incidents").

Events join the caller's unit of work, so a change and its timeline line are stored together.
The timeline is not need-to-know filtered: bodies never carry detection details or alert labels.
"""

from __future__ import annotations

from typing import Any

from incident_hub.models import TimelineEvent
from incident_hub.services.uow import UnitOfWork


def add_event(
    uow: UnitOfWork, incident_id: int, kind: str, body: str, data: dict[str, Any] | None = None
) -> TimelineEvent:
    event = TimelineEvent(incident_id=incident_id, at=uow.now, kind=kind, actor=uow.actor, body=body, data=data)
    uow.session.add(event)
    return event
