"""Overdue escalation and due-soon reminders (DOMAIN.md "Playbooks and actions": overdue actions are
flagged and escalated to managers). `action.overdue` reaches the assignee and the owner unit's
managers in the app, by email and in the unit's chat (the primary path); the escalation webhook
stays as one more channel. `action.due_soon` reaches the assignee (else the owner unit)
ACTION_DUE_SOON_HOURS before the due time, once per due date. Each newly overdue action is escalated once: claimed by
`UPDATE actions SET escalated_at = now WHERE id = … AND escalated_at IS NULL AND <overdue>`, so two
runs (two schedulers, or a re-run after a crash) cannot both escalate it. The claim, the timeline
event, the audit entry and the outbound webhook (outbox) are one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select, update

from incident_hub.clock import utcnow
from incident_hub.domain.audit_chain import iso_utc
from incident_hub.domain.lifecycle import CLOSED_ACTION_STATUSES
from incident_hub.extensions import db
from incident_hub.models import Action
from incident_hub.runtime import settings
from incident_hub.services.actions.queries import overdue_clause
from incident_hub.services.notify import events as notify
from incident_hub.services.outbox import enqueue
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import unit_of_work

ACTOR = "scheduler"


def _payload(action: Action) -> dict[str, object]:
    """What managers are told: the action, never incident details (need to know, para 6)."""
    return {
        "action_id": action.id,
        "title": action.title,
        "owner_unit": action.owner_unit,
        "status": action.status,
        "due_at": iso_utc(action.due_at) if action.due_at else None,
        "incident_id": action.incident_id,
        "playbook_id": action.playbook_id,
        "source_step": action.source_step,
    }


def escalate_one(action_id: int, now: datetime) -> bool:
    """Escalate one overdue action unless someone already has; True when this call did."""
    with unit_of_work(ACTOR) as uow:
        uow.now = now
        claimed = uow.session.execute(
            update(Action)
            .where(Action.id == action_id, Action.escalated_at.is_(None), overdue_clause(now))
            .values(escalated_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        action = uow.session.get(Action, action_id)
        assert action is not None
        uow.session.refresh(action)
        body = f"Action overdue, escalated to managers: {action.title} (owner {action.owner_unit})."
        if action.incident_id is not None:
            add_event(uow, action.incident_id, "action_overdue", body, {"action_id": action.id})
        notify.action_due(uow, action, "action.overdue")
        message = enqueue(uow, "action.overdue", _payload(action))
        after = {"escalated_at": iso_utc(now), "webhook_id": message.message_id if message else None}
        uow.audit("action.escalate", "action", action.id, {"escalated_at": None}, after)
    return True


def escalate_overdue(now: datetime | None = None, limit: int = 500) -> int:
    """Escalate every action that is overdue and not yet escalated; how many this run escalated."""
    now = now or utcnow()
    ids = (
        db.session.execute(
            select(Action.id)
            .where(overdue_clause(now), Action.escalated_at.is_(None))
            .order_by(Action.due_at, Action.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    return sum(1 for action_id in ids if escalate_one(action_id, now))


def _due_soon_clause(now: datetime, horizon: datetime) -> ColumnElement[bool]:
    return and_(
        Action.due_at.is_not(None),
        Action.due_at >= now,
        Action.due_at <= horizon,
        Action.status.not_in(CLOSED_ACTION_STATUSES),
        Action.due_soon_notified_at.is_(None),
    )


def remind_one(action_id: int, now: datetime, horizon: datetime) -> bool:
    with unit_of_work(ACTOR) as uow:
        uow.now = now
        claimed = uow.session.execute(
            update(Action)
            .where(Action.id == action_id, _due_soon_clause(now, horizon))
            .values(due_soon_notified_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        action = uow.session.get(Action, action_id)
        assert action is not None
        uow.session.refresh(action)
        notify.action_due(uow, action, "action.due_soon")
    return True


def remind_due_soon(now: datetime | None = None, limit: int = 500) -> int:
    """`action.due_soon` for every open action due within ACTION_DUE_SOON_HOURS, once per due date."""
    now = now or utcnow()
    horizon = now + timedelta(hours=settings().action_due_soon_hours)
    ids = (
        db.session.execute(
            select(Action.id).where(_due_soon_clause(now, horizon)).order_by(Action.due_at, Action.id).limit(limit)
        )
        .scalars()
        .all()
    )
    db.session.rollback()
    return sum(1 for action_id in ids if remind_one(action_id, now, horizon))
