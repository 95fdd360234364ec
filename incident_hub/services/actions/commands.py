"""Action use cases (DOMAIN.md "Playbooks and actions"; API.md "Actions"). `new_action` is the one
way an action is created by hand or from an assessment measure; playbook steps go through
`insert_action_once`. Both apply the mandate guard M1 (A/77/88/Add.1 paras 15-16)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select

from incident_hub.clock import to_iso
from incident_hub.domain.access import (
    DSS_OFFICER,
    MANAGER,
    OICT_RESPONDER,
    Principal,
    check_may_work_action,
    check_work_takes_part,
    taking_part,
)
from incident_hub.domain.lifecycle import CLOSED_ACTION_STATUSES, PHASES, check_action_transition
from incident_hub.domain.mandates import ensure_mandates
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import ValidationError
from incident_hub.models import Action, ActionComment, Incident, User
from incident_hub.runtime import units
from incident_hub.services.actions.queries import action_snapshot, get_visible_action
from incident_hub.services.notify import events as notify
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.upsert import insert_action_values, insert_actions_values


def check_owner(uow: UnitOfWork, title: str, owner_unit: str, mandate: str | None, incident_id: int | None) -> None:
    """Every path that sets an action's owner unit: the owner holds the mandate (M1) and, on an
    incident, takes part in it (lead, partner or informed), so work never goes where it cannot be seen."""
    work = Text(N_("owning the action %(title)s"), title=repr(title))
    ensure_mandates(units(), owner_unit, [mandate] if mandate else [], work)
    if incident_id is not None:
        incident = uow.session.get(Incident, incident_id)
        if incident is not None:
            units_of = taking_part(incident.lead_unit, incident.partner_units, incident.informed_units)
            check_work_takes_part(owner_unit, incident_id, units_of, work)


def check_new_action(
    uow: UnitOfWork, title: str, phase: str, owner_unit: str, mandate: str | None, incident_id: int | None
) -> None:
    """The rules every new action obeys: a known phase, and an owner under `check_owner`."""
    if phase not in PHASES:
        raise ValidationError.for_fields({"phase": [Text(N_("must be one of %(codes)s"), codes=", ".join(PHASES))]})
    check_owner(uow, title, owner_unit, mandate, incident_id)


def _created_audit(uow: UnitOfWork, action_id: int, values: dict[str, Any]) -> None:
    keys = ("title", "owner_unit", "mandate", "incident_id", "assessment_id", "playbook_id", "source_step")
    uow.audit("action.create", "action", action_id, None, {k: values.get(k) for k in keys})


def new_action(
    uow: UnitOfWork,
    *,
    title: str,
    phase: str,
    owner_unit: str,
    mandate: str | None,
    due_at: datetime | None,
    incident_id: int | None = None,
    assessment_id: int | None = None,
    playbook_id: int | None = None,
    source_step: str | None = None,
    description: str = "",
) -> Action:
    """Create an action inside an open unit of work; refused under M1 if `owner_unit` lacks `mandate`."""
    check_new_action(uow, title, phase, owner_unit, mandate, incident_id)
    action = Action(
        title=title,
        description=description,
        phase=phase,
        owner_unit=owner_unit,
        mandate=mandate,
        status="open",
        due_at=due_at,
        incident_id=incident_id,
        assessment_id=assessment_id,
        playbook_id=playbook_id,
        source_step=source_step,
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(action)
    uow.flush()
    _created_audit(uow, action.id, action_snapshot(action))
    return action


def insert_action_once(uow: UnitOfWork, **values: Any) -> int | None:
    """A playbook step's action, inserted with ON CONFLICT DO NOTHING on (incident, playbook
    version, step): the new id, or None when it already exists (a re-run or another worker)."""
    check_new_action(
        uow, values["title"], values["phase"], values["owner_unit"], values.get("mandate"), values.get("incident_id")
    )
    row = {"status": "open", "description": "", "evidence": "", "blocked_reason": "", **values}
    row.update(created_at=uow.now, updated_at=uow.now)
    action_id = insert_action_values(uow.session, row)
    if action_id is not None:
        _created_audit(uow, action_id, row)
    return action_id


def insert_actions_once(
    uow: UnitOfWork, steps: list[dict[str, Any]], new_incident: bool = False
) -> list[tuple[int, dict[str, Any]]]:
    """Playbook steps' actions (each already checked by `check_new_action`) in one multi-row
    INSERT … ON CONFLICT DO NOTHING on (incident, playbook version, step): the ids created, in the
    order of `steps` with their rows (the ones that already existed — a re-run or another worker —
    left out); each audited."""
    if not steps:
        return []
    rows = []
    for values in steps:
        row = {"status": "open", "description": "", "evidence": "", "blocked_reason": "", **values}
        row.update(created_at=uow.now, updated_at=uow.now)
        rows.append(row)
    created = insert_actions_values(uow.session, rows, new_incident)
    done = []
    for row in rows:
        action_id = created.get((row["playbook_id"], row["source_step"]))
        if action_id is not None:
            _created_audit(uow, action_id, row)
            done.append((action_id, row))
    return done


def _assignee(uow: UnitOfWork, username: str | None, action: Action) -> int | None:
    """The assignee's id: an active user of the owner unit, or a manager; M1 holds for them too."""
    if username is None:
        return None
    user = uow.session.query(User).filter_by(username=username).one_or_none()
    if user is None or not user.active:
        raise ValidationError.for_fields({"assignee": [Text(N_("no active user named %(name)s"), name=repr(username))]})
    if user.role in (OICT_RESPONDER, DSS_OFFICER) and action.mandate:
        ensure_mandates(
            units(),
            user.unit or "",
            [action.mandate],
            Text(N_("working the action %(title)s"), title=repr(action.title)),
        )
    if user.unit != action.owner_unit and user.role != MANAGER:
        raise ValidationError.for_fields(
            {
                "assignee": [
                    Text(
                        N_("%(name)s is not a member of %(unit)s, the unit that owns this action"),
                        name=username,
                        unit=action.owner_unit,
                    )
                ]
            }
        )
    return user.id


def set_assignee(uow: UnitOfWork, action: Action, username: str | None) -> bool:
    """The one place an action's assignee changes (page, PATCH, bulk): checked, audited, on the
    incident's timeline. False when nothing changed."""
    new_id = _assignee(uow, username, action)
    if new_id == action.assignee_id:
        return False
    before = action_snapshot(action)
    action.assignee_id, action.updated_at = new_id, uow.now
    uow.audit("action.assign", "action", action.id, before, {**action_snapshot(action), "assignee": username})
    if action.incident_id is not None:
        body = f"Action '{action.title}' " + (f"assigned to {username}." if username else "unassigned.")
        add_event(uow, action.incident_id, "action_assigned", body, {"action_id": action.id, "assignee": username})
    if new_id is not None:  # the assignee hears of it (`action.assigned`)
        uow.flush()
        notify.action_assigned(uow, action, notify.actor_id(uow))
    return True


def set_due_date(uow: UnitOfWork, action: Action, due_at: datetime | None, reason: str) -> bool:
    """The one place an action's due date changes: a reason is required and audited; a new due
    date re-arms escalation. False when the date is the same."""
    if due_at == action.due_at:
        return False
    if not reason.strip():
        raise ValidationError.for_fields({"reason": [Text(N_("say why the due date changes"))]})
    before = action_snapshot(action)
    action.due_at, action.escalated_at, action.due_soon_notified_at, action.updated_at = due_at, None, None, uow.now
    uow.audit("action.due_date", "action", action.id, before, {**action_snapshot(action), "reason": reason.strip()})
    if action.incident_id is not None:
        when = to_iso(due_at) or "no due date"
        body = f"Action '{action.title}' due date → {when}: {reason.strip()}"
        add_event(uow, action.incident_id, "action_due_date", body, {"action_id": action.id, "due_at": to_iso(due_at)})
    return True


def assign_action(principal: Principal, action_id: int, username: str | None) -> Action:
    """Give the action to a person of its owner unit (None: unassign)."""
    with unit_of_work(principal.username) as uow:
        action = get_visible_action(principal, action_id)
        check_may_work_action(principal, action.owner_unit)
        set_assignee(uow, action, username)
    return action


def change_due_date(principal: Principal, action_id: int, due_at: datetime | None, reason: str) -> Action:
    with unit_of_work(principal.username) as uow:
        action = get_visible_action(principal, action_id)
        check_may_work_action(principal, action.owner_unit)
        set_due_date(uow, action, due_at, reason)
    return action


def update_action(principal: Principal, action_id: int, changes: dict[str, Any]) -> Action:
    """PATCH: title, owner_unit (M1 on the new owner), assignee and due_at (with `reason`)."""
    with unit_of_work(principal.username) as uow:
        action = get_visible_action(principal, action_id)
        check_may_work_action(principal, action.owner_unit)
        before = action_snapshot(action)
        if "owner_unit" in changes:
            owner = changes["owner_unit"]
            check_owner(uow, action.title, owner, action.mandate, action.incident_id)
            action.owner_unit = owner
        if "title" in changes:
            action.title = changes["title"]
        if before != action_snapshot(action):
            action.updated_at = uow.now
            uow.audit("action.update", "action", action.id, before, action_snapshot(action))
        if "assignee" in changes:
            set_assignee(uow, action, changes["assignee"])
        if "due_at" in changes:
            set_due_date(uow, action, changes["due_at"], changes.get("reason", ""))
    return action


def add_action_comment(principal: Principal, action_id: int, body: str) -> ActionComment:
    """Anyone who may see the action may comment on it."""
    if not body.strip():
        raise ValidationError.for_fields({"body": [Text(N_("a comment cannot be empty"))]})
    with unit_of_work(principal.username) as uow:
        action = get_visible_action(principal, action_id)  # who may see it may comment (domain/access.py)
        comment = ActionComment(action_id=action.id, at=uow.now, author=principal.username, body=body.strip())
        uow.session.add(comment)
        uow.flush()
        uow.audit("action.comment", "action", action.id, None, {"comment_id": comment.id})
    return comment


def _transition_event(uow: UnitOfWork, action: Action, previous: str, note: str) -> None:
    """Shown on the incident's timeline, so its people see the work move."""
    if action.incident_id is None:
        return
    body = f"Action '{action.title}': {previous} → {action.status}" + (f". {note.strip()}" if note.strip() else "")
    data = {"action_id": action.id, "from": previous, "to": action.status}
    add_event(uow, action.incident_id, "action_status", body, data)


def transition_action(
    principal: Principal, action_id: int, target: str, evidence: str = "", reason: str = ""
) -> Action:
    """Lifecycle of API.md: `done` needs an evidence note (422), `blocked` records why (422 without)."""
    with unit_of_work(principal.username) as uow:
        action = get_visible_action(principal, action_id)
        check_may_work_action(principal, action.owner_unit)
        check_action_transition(action.status, target)
        if target == "done" and not evidence.strip():
            raise ValidationError.for_fields(
                {"evidence": [Text(N_("an evidence note is required to mark an action done"))]}
            )
        if target == "blocked" and not reason.strip():
            raise ValidationError.for_fields({"reason": [Text(N_("say why the action is blocked"))]})
        before = action_snapshot(action)
        action.status = target
        if target == "done":
            action.evidence, action.completed_at = evidence.strip(), uow.now
        if target == "blocked":
            action.blocked_reason = reason.strip()
        if target == "cancelled":
            action.cancel_reason = reason.strip()
        action.updated_at = uow.now
        _transition_event(uow, action, before["status"], evidence or reason)
        uow.audit("action.transition", "action", action.id, before, action_snapshot(action))
    return action


def cancel_departed_work(uow: UnitOfWork, incident: Incident, departed: Collection[str], change: str) -> list[int]:
    """A re-route that removes a unit from an incident cancels that unit's open actions on it (work
    is given only to units that take part), with a system reason on the timeline and in the audit,
    inside the re-route's unit of work. The ids cancelled."""
    if not departed:
        return []
    q = select(Action).where(
        Action.incident_id == incident.id,
        Action.owner_unit.in_(sorted(departed)),
        Action.status.not_in(CLOSED_ACTION_STATUSES),
    )
    cancelled = []
    for action in uow.session.execute(q.order_by(Action.id)).scalars():
        reason = (
            f"Cancelled by the system: {change} removed unit {action.owner_unit} from incident {incident.id}, "
            "and work on an incident is given only to the units that take part in it."
        )
        before = action_snapshot(action)
        action.status, action.updated_at = "cancelled", uow.now
        _transition_event(uow, action, before["status"], reason)
        uow.audit("action.cancel", "action", action.id, before, {**action_snapshot(action), "reason": reason})
        cancelled.append(action.id)
    return cancelled
