"""The fan-out calls, one per event (API.md "Notifications"), made where the event happens and inside
its unit of work. Each builds the event's subject from rows already loaded and writes rows only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from incident_hub.models import Action, Assessment, Incident, IncidentUnit, User
from incident_hub.services.notify.fan_out import Subject, follow, incident_subject, notify
from incident_hub.services.uow import UnitOfWork


def actor_id(uow: UnitOfWork) -> int | None:
    """The user who caused the event (not told of it), when the actor is a person."""
    return uow.session.execute(select(User.id).where(User.username == uow.actor)).scalar()


def incident_routed(uow: UnitOfWork, incident: Incident, by: int | None = None) -> int:
    """Created or re-routed: members of the lead, partner and informed units, each told their role."""
    return notify(uow, "incident.routed", incident_subject(incident, data={"rule": incident.rule}), by)


def incident_created(uow: UnitOfWork, incident: Incident) -> int:
    follow(uow, incident.id, [incident.created_by_id])
    return incident_routed(uow, incident, incident.created_by_id)


def owner_assigned(uow: UnitOfWork, incident: Incident, by: int | None) -> int:
    follow(uow, incident.id, [incident.owner_id])
    return notify(uow, "incident.owner_assigned", incident_subject(incident), by)


def status_changed(uow: UnitOfWork, incident: Incident, before: str, by: int | None) -> int:
    data = {"from": before, "to": incident.status}
    return notify(uow, "incident.status_changed", incident_subject(incident, data=data), by)


def mentioned(uow: UnitOfWork, incident: Incident, usernames: list[str], event_id: int, by: int | None) -> int:
    """`@username` in a comment: that user, only if they may see the incident (fan_out checks)."""
    if not usernames:
        return 0
    ids = tuple(uow.session.execute(select(User.id).where(User.username.in_(usernames))).scalars())
    data = {"actor": uow.actor, "event_id": event_id}
    return notify(uow, "comment.mention", incident_subject(incident, user_ids=ids, data=data), by)


def _incident_units(uow: UnitOfWork, incident_id: int | None) -> dict[str, str] | None:
    if incident_id is None:
        return None
    rows = uow.session.execute(
        select(IncidentUnit.unit, IncidentUnit.relation).where(IncidentUnit.incident_id == incident_id)
    ).all()
    return {unit: relation for unit, relation in rows}


def action_subject(uow: UnitOfWork, action: Action, **extra: Any) -> Subject:
    return Subject(
        object_type="action",
        object_id=action.id,
        title=action.title,
        url=f"/actions/{action.id}",
        incident_id=action.incident_id,
        incident_units=_incident_units(uow, action.incident_id),
        assignee_id=action.assignee_id,
        owner_unit=action.owner_unit,
        **extra,
    )


def action_assigned(uow: UnitOfWork, action: Action, by: int | None) -> int:
    if action.assignee_id is None:
        return 0
    if action.incident_id is not None:
        follow(uow, action.incident_id, [action.assignee_id])
    return notify(uow, "action.assigned", action_subject(uow, action), by)


def action_due(uow: UnitOfWork, action: Action, event: str) -> int:
    """`action.due_soon` or `action.overdue` (sent by the scheduler, so nobody is excluded)."""
    data = {"due_at": action.due_at.isoformat() if action.due_at else None}
    return notify(uow, event, action_subject(uow, action, data=data))


def assessment_subject(uow: UnitOfWork, a: Assessment, signing: frozenset[str] | set[str], **extra: Any) -> Subject:
    return Subject(
        object_type="assessment",
        object_id=a.id,
        title=f"Assessment #{a.id}",
        url=f"/assessments/{a.id}",
        incident_id=a.incident_id,
        incident_units=_incident_units(uow, a.incident_id),
        units=tuple(sorted(signing)),
        **extra,
    )


def signoff_requested(uow: UnitOfWork, a: Assessment, waiting: set[str], by: int | None) -> int:
    if not waiting:
        return 0
    return notify(uow, "assessment.signoff_requested", assessment_subject(uow, a, waiting), by)


def signoff_voided(uow: UnitOfWork, a: Assessment, signing: frozenset[str], by: int | None) -> int:
    return notify(uow, "assessment.signoff_voided", assessment_subject(uow, a, signing), by)


def joint_due(uow: UnitOfWork, a: Assessment, signing: frozenset[str], passed: bool) -> int:
    return notify(uow, "assessment.joint_due", assessment_subject(uow, a, signing, data={"passed": passed}))
