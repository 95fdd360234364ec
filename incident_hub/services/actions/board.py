"""Reading actions under need to know, for the web pages (home "my work", the board, an incident).

Cyber-cleared principals see every action; others see actions their unit owns or that belong to
an incident their unit takes part in (DOMAIN.md "Need to know"). Read-only: the action lifecycle
(transitions) is services/actions.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, true

from incident_hub.domain.access import Principal, sees_all_incidents
from incident_hub.domain.lifecycle import ACTION_STATUSES, CLOSED_ACTION_STATUSES, OPEN_INCIDENT_STATUSES
from incident_hub.extensions import db
from incident_hub.models import Action, Incident, IncidentUnit
from incident_hub.runtime import units
from incident_hub.services.visibility import visible_incidents

OPEN_ACTION_STATUSES = tuple(s for s in ACTION_STATUSES if s not in CLOSED_ACTION_STATUSES)
BOARD_COLUMN_LIMIT = 100


def _visible(principal: Principal) -> Select[tuple[Action]]:
    q = select(Action)
    if sees_all_incidents(principal, units()):
        return q
    in_my_incident = exists().where(IncidentUnit.incident_id == Action.incident_id, IncidentUnit.unit == principal.unit)
    return q.where(or_(Action.owner_unit == principal.unit, in_my_incident))


def _mine(principal: Principal) -> ColumnElement[bool]:
    owned = Action.owner_unit == principal.unit if principal.unit else false()
    return or_(Action.assignee_id == principal.user_id, owned)


def is_overdue(action: Action, now: datetime) -> bool:
    return action.status in OPEN_ACTION_STATUSES and action.due_at is not None and action.due_at < now


@dataclass(frozen=True)
class Board:
    columns: dict[str, list[Action]]
    totals: dict[str, int]


def board(principal: Principal, mine: bool, limit: int = BOARD_COLUMN_LIMIT) -> Board:
    """Actions by status (each column the `limit` soonest due), optionally only mine."""
    base = _visible(principal)
    if mine:
        base = base.where(_mine(principal))
    columns, totals = {}, {}
    for status in ACTION_STATUSES:
        q = base.where(Action.status == status)
        totals[status] = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        ordered = q.order_by(Action.due_at.is_(None), Action.due_at, Action.id).limit(limit)
        columns[status] = list(db.session.execute(ordered).scalars())
    return Board(columns, totals)


def incident_actions(principal: Principal, incident_id: int) -> list[Action]:
    q = _visible(principal).where(Action.incident_id == incident_id).order_by(Action.due_at.is_(None), Action.due_at)
    return list(db.session.execute(q).scalars())


@dataclass(frozen=True)
class MyWork:
    """Issue 14 "My work": what is assigned to me first, then my unit's open work, then what I follow."""

    assigned: list[Action]  # open actions assigned to me
    owned: list[Incident]  # open incidents I own (incident commander)
    incidents: list[Incident]  # my unit's open incidents
    actions: list[Action]  # my unit's other open actions
    followed: list[Incident]  # open incidents I follow, not already listed
    overdue: list[Action]


def _soonest(q: Select[tuple[Action]], limit: int) -> list[Action]:
    return list(
        db.session.execute(q.order_by(Action.due_at.is_(None), Action.due_at, Action.id).limit(limit)).scalars()
    )


def my_work(principal: Principal, now: datetime, limit: int = 50) -> MyWork:
    """My open actions and incidents; my unit's (every open incident for a manager without a unit); what I follow."""
    from incident_hub.models import IncidentFollower

    open_incidents = visible_incidents(principal).where(Incident.status.in_(OPEN_INCIDENT_STATUSES))
    newest = (Incident.created_at.desc(), Incident.id.desc())
    q = open_incidents
    if principal.unit:
        q = q.where(exists().where(IncidentUnit.incident_id == Incident.id, IncidentUnit.unit == principal.unit))
    incidents = list(db.session.execute(q.order_by(*newest).limit(limit)).scalars())
    owned_q = open_incidents.where(Incident.owner_id == principal.user_id).order_by(*newest).limit(limit)
    owned = list(db.session.execute(owned_q).scalars())
    open_actions = _visible(principal).where(Action.status.in_(OPEN_ACTION_STATUSES))
    assigned = _soonest(open_actions.where(Action.assignee_id == principal.user_id), limit)
    unit_q = open_actions.where(
        _mine(principal), or_(Action.assignee_id.is_(None), Action.assignee_id != principal.user_id)
    )
    actions = _soonest(unit_q, limit)
    shown = [i.id for i in incidents]
    followed_q = open_incidents.where(
        exists().where(IncidentFollower.incident_id == Incident.id, IncidentFollower.user_id == principal.user_id),
        Incident.id.not_in(shown) if shown else true(),
    )
    followed = list(db.session.execute(followed_q.order_by(*newest).limit(limit)).scalars())
    overdue_q = open_actions.where(_mine(principal), Action.due_at < now).order_by(Action.due_at).limit(limit)
    overdue = list(db.session.execute(overdue_q).scalars())
    return MyWork(assigned, owned, incidents, actions, followed, overdue)


def changeable(principal: Principal, actions: list[Action]) -> set[int]:
    """Ids of `actions` the principal may change (services.actions.may_change_action): managers,
    the owner unit, or the lead unit of the action's incident (one query for the incidents' leads)."""
    if principal.is_manager:
        return {a.id for a in actions}
    ids = {a.incident_id for a in actions if a.incident_id is not None}
    led = set()
    if ids and principal.unit:
        q = select(Incident.id).where(Incident.id.in_(ids), Incident.lead_unit == principal.unit)
        led = set(db.session.execute(q).scalars())
    return {a.id for a in actions if a.owner_unit == principal.unit or (principal.unit and a.incident_id in led)}
