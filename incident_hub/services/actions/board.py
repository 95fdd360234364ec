"""Reading actions under need to know, for the web pages (home "my work", the board, an incident).

Cyber-cleared principals see every action; others see actions their unit owns or that belong to
an incident their unit takes part in (DOMAIN.md "Need to know"). Read-only: the action lifecycle
(transitions) is services/actions.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select

from incident_hub.clock import utcnow
from incident_hub.domain.access import Principal, sees_all_incidents
from incident_hub.domain.lifecycle import ACTION_STATUSES, CLOSED_ACTION_STATUSES, OPEN_INCIDENT_STATUSES
from incident_hub.extensions import db
from incident_hub.models import Action, Incident, IncidentUnit
from incident_hub.runtime import units
from incident_hub.services.actions.queries import ActionFilter, filtered
from incident_hub.services.visibility import visible_incidents

OPEN_ACTION_STATUSES = tuple(s for s in ACTION_STATUSES if s not in CLOSED_ACTION_STATUSES)
BOARD_COLUMN_LIMIT = 20


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


def board(principal: Principal, mine: bool, f: ActionFilter | None = None, limit: int = BOARD_COLUMN_LIMIT) -> Board:
    """Actions by status (each column the `limit` soonest due, and its total), filtered, optionally only mine."""
    base = filtered(_visible(principal), f or ActionFilter(), utcnow())
    if mine:
        base = base.where(_mine(principal))
    columns: dict[str, list[Action]] = {}
    totals: dict[str, int] = {}
    statuses = [f.status] if f and f.status else list(ACTION_STATUSES)
    for status in ACTION_STATUSES:
        if status not in statuses:
            columns[status], totals[status] = [], 0
            continue
        q = base.where(Action.status == status)
        totals[status] = db.session.execute(select(func.count()).select_from(q.order_by(None).subquery())).scalar_one()
        ordered = q.order_by(Action.due_at.is_(None), Action.due_at, Action.id).limit(limit)
        columns[status] = list(db.session.execute(ordered).scalars())
    return Board(columns, totals)


def mine_clause(principal: Principal) -> ColumnElement[bool]:
    return _mine(principal)


def incident_actions(principal: Principal, incident_id: int, limit: int | None = None) -> list[Action]:
    """An incident's actions, soonest due first (at most `limit`: the page links to the full list)."""
    q = _visible(principal).where(Action.incident_id == incident_id)
    q = q.order_by(Action.due_at.is_(None), Action.due_at, Action.id).limit(limit)
    return list(db.session.execute(q).scalars())


@dataclass(frozen=True)
class MyWork:
    incidents: list[Incident]
    actions: list[Action]
    overdue: list[Action]


def my_work(principal: Principal, now: datetime, limit: int = 50) -> MyWork:
    """My unit's open incidents (every open one for a manager without a unit), my open actions, overdue ones."""
    q = visible_incidents(principal).where(Incident.status.in_(OPEN_INCIDENT_STATUSES))
    if principal.unit:
        q = q.where(exists().where(IncidentUnit.incident_id == Incident.id, IncidentUnit.unit == principal.unit))
    incidents = list(db.session.execute(q.order_by(Incident.created_at.desc()).limit(limit)).scalars())
    mine = _visible(principal).where(_mine(principal), Action.status.in_(OPEN_ACTION_STATUSES))
    actions = list(db.session.execute(mine.order_by(Action.due_at.is_(None), Action.due_at).limit(limit)).scalars())
    overdue_q = mine.where(Action.due_at < now).order_by(Action.due_at).limit(limit)
    overdue = list(db.session.execute(overdue_q).scalars())
    return MyWork(incidents, actions, overdue)


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
