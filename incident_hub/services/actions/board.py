"""Reading actions under need to know, for the web pages (home "my work", the board, an incident).

An action is seen by exactly those who may see its incident, else its assessment
(services/visibility.py; DOMAIN.md "Need to know"). Read-only: the action lifecycle (transitions)
is services/actions/commands.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, false, func, or_, select

from incident_hub.domain.access import Principal, may_work_action
from incident_hub.domain.lifecycle import ACTION_STATUSES, OPEN_ACTION_STATUSES, OPEN_INCIDENT_STATUSES
from incident_hub.extensions import db
from incident_hub.models import Action, Incident, IncidentUnit
from incident_hub.services.visibility import visible_actions, visible_incidents

BOARD_COLUMN_LIMIT = 100


def _mine(principal: Principal) -> ColumnElement[bool]:
    owned = Action.owner_unit == principal.unit if principal.unit else false()
    return or_(Action.assignee_id == principal.user_id, owned)


@dataclass(frozen=True)
class Board:
    columns: dict[str, list[Action]]
    totals: dict[str, int]


def board(principal: Principal, mine: bool, limit: int = BOARD_COLUMN_LIMIT) -> Board:
    """Actions by status (each column the `limit` soonest due), optionally only mine."""
    base = visible_actions(principal)
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
    q = visible_actions(principal).where(Action.incident_id == incident_id)
    q = q.order_by(Action.due_at.is_(None), Action.due_at)
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
    mine = visible_actions(principal).where(_mine(principal), Action.status.in_(OPEN_ACTION_STATUSES))
    actions = list(db.session.execute(mine.order_by(Action.due_at.is_(None), Action.due_at).limit(limit)).scalars())
    overdue_q = mine.where(Action.due_at < now).order_by(Action.due_at).limit(limit)
    overdue = list(db.session.execute(overdue_q).scalars())
    return MyWork(incidents, actions, overdue)


def workable(principal: Principal, actions: list[Action]) -> set[int]:
    """Ids of `actions` the principal may work (domain.access.may_work_action)."""
    return {a.id for a in actions if may_work_action(principal, a.owner_unit)}
