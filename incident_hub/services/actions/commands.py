"""Action use cases (DOMAIN.md "Playbooks and actions"; API.md "Actions"). `new_action` is the one
way an action is created by hand or from an assessment measure; playbook steps go through
`insert_action_once`. Both apply the mandate guard M1 (A/77/88/Add.1 paras 15-16)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incident_hub.domain.access import Principal
from incident_hub.domain.lifecycle import check_action_transition
from incident_hub.domain.mandates import ensure_mandates
from incident_hub.errors import Forbidden, ValidationError
from incident_hub.models import Action, User
from incident_hub.runtime import units
from incident_hub.services.actions.queries import action_snapshot, get_visible_action
from incident_hub.services.notify import events as notify
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.upsert import insert_action_values

PHASES = ("prevention", "mitigation")


def check_new_action(title: str, phase: str, owner_unit: str, mandate: str | None) -> None:
    """The rules every new action obeys: a known phase, and an owner holding the mandate (M1)."""
    if phase not in PHASES:
        raise ValidationError.for_fields({"phase": [f"must be one of {', '.join(PHASES)}"]})
    ensure_mandates(units(), owner_unit, [mandate] if mandate else [], f"owning the action {title!r}")


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
    check_new_action(title, phase, owner_unit, mandate)
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
    check_new_action(values["title"], values["phase"], values["owner_unit"], values.get("mandate"))
    row = {"status": "open", "description": "", "evidence": "", "blocked_reason": "", **values}
    row.update(created_at=uow.now, updated_at=uow.now)
    action_id = insert_action_values(uow.session, row)
    if action_id is not None:
        _created_audit(uow, action_id, row)
    return action_id


def may_change_action(principal: Principal, action: Action, incident_lead: str | None) -> None:
    """Managers and admins, the owner unit, or the lead unit of the action's incident."""
    if principal.is_manager or principal.unit in (action.owner_unit, incident_lead):
        return
    raise Forbidden("Only the owner unit, the incident's lead unit or a manager may change this action.")


def _assignee(uow: UnitOfWork, username: str | None, action: Action) -> int | None:
    if username is None:
        return None
    user = uow.session.query(User).filter_by(username=username).one_or_none()
    if user is None or not user.active:
        raise ValidationError.for_fields({"assignee": [f"no active user named {username!r}"]})
    if user.role in ("oict_responder", "dss_officer") and action.mandate:
        ensure_mandates(units(), user.unit or "", [action.mandate], f"working the action {action.title!r}")
    return user.id


def update_action(principal: Principal, action_id: int, changes: dict[str, Any]) -> Action:
    """PATCH: title, assignee, due_at, owner_unit (M1 on the new owner). A new due date re-arms escalation."""
    with unit_of_work(principal.username) as uow:
        action, lead = get_visible_action(principal, action_id)
        may_change_action(principal, action, lead)
        before = action_snapshot(action)
        if "owner_unit" in changes:
            owner = changes["owner_unit"]
            ensure_mandates(units(), owner, [action.mandate] if action.mandate else [], f"owning {action.title!r}")
            action.owner_unit = owner
        if "title" in changes:
            action.title = changes["title"]
        if "assignee" in changes:
            action.assignee_id = _assignee(uow, changes["assignee"], action)
        if "due_at" in changes and changes["due_at"] != action.due_at:
            action.due_at = changes["due_at"]
            action.escalated_at = action.due_soon_notified_at = None
        after = action_snapshot(action)
        if after != before:
            action.updated_at = uow.now
            uow.audit("action.update", "action", action.id, before, after)
        if action.assignee_id is not None and action.assignee_id != before["assignee_id"]:
            notify.action_assigned(uow, action, principal.user_id or None)
    return action


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
        action, lead = get_visible_action(principal, action_id)
        may_change_action(principal, action, lead)
        check_action_transition(action.status, target)
        if target == "done" and not evidence.strip():
            raise ValidationError.for_fields({"evidence": ["an evidence note is required to mark an action done"]})
        if target == "blocked" and not reason.strip():
            raise ValidationError.for_fields({"reason": ["say why the action is blocked"]})
        before = action_snapshot(action)
        action.status = target
        if target == "done":
            action.evidence, action.completed_at = evidence.strip(), uow.now
        if target == "blocked":
            action.blocked_reason = reason.strip()
        action.updated_at = uow.now
        _transition_event(uow, action, before["status"], evidence or reason)
        uow.audit("action.transition", "action", action.id, before, action_snapshot(action))
    return action
