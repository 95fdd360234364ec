"""Reading actions under need to know, for the web pages (home "my work", the board, an incident).

An action is seen by exactly those who may see its incident, else its assessment
(services/visibility.py; DOMAIN.md "Need to know"). Read-only: the action lifecycle (transitions)
is services/actions/commands.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, false, or_, true

from incident_hub.domain.access import Principal, may_work_action
from incident_hub.domain.lifecycle import ACTION_STATUSES, OPEN_ACTION_STATUSES, OPEN_INCIDENT_STATUSES
from incident_hub.extensions import db
from incident_hub.models import Action, Incident, IncidentUnit
from incident_hub.services.actions.queries import ActionFilter, keyset, visible_filtered
from incident_hub.services.listing import Total, page_after, total_of
from incident_hub.services.visibility import visible_actions, visible_incidents

BOARD_COLUMN_LIMIT = 20


def _mine(principal: Principal) -> ColumnElement[bool]:
    owned = Action.owner_unit == principal.unit if principal.unit else false()
    return or_(Action.assignee_id == principal.user_id, owned)


@dataclass(frozen=True)
class Board:
    columns: dict[str, list[Action]]
    totals: dict[str, Total]  # exact up to LIST_EXACT_TOTAL_MAX, an estimate past it (as the list's)


def board(principal: Principal, mine: bool, f: ActionFilter | None = None, limit: int = BOARD_COLUMN_LIMIT) -> Board:
    """Actions by status (each column the `limit` soonest due, and its total), filtered, optionally only mine."""
    base = visible_filtered(principal, f or ActionFilter())
    if mine:
        base = base.where(_mine(principal))
    columns: dict[str, list[Action]] = {}
    totals: dict[str, Total] = {}
    statuses = [f.status] if f and f.status else list(ACTION_STATUSES)
    soonest = keyset("due_at")
    for status in ACTION_STATUSES:
        if status not in statuses:
            columns[status], totals[status] = [], Total(0)
            continue
        q = base.where(Action.status == status)
        cards = list(db.session.execute(page_after(q, soonest, None, limit + 1)).scalars())
        total = total_of(q, Action.id)
        # An estimate is never below what the column shows and the card it knows follows.
        totals[status] = Total(max(total.value, len(cards)), total.is_estimate)
        columns[status] = cards[:limit]
    return Board(columns, totals)


def incident_actions(principal: Principal, incident_id: int, limit: int | None = None) -> list[Action]:
    """An incident's actions, soonest due first (at most `limit`: the page links to the full list)."""
    q = visible_actions(principal).where(Action.incident_id == incident_id)
    return list(db.session.execute(q.order_by(*keyset("due_at").order_by()).limit(limit)).scalars())


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
    return list(db.session.execute(page_after(q, keyset("due_at"), None, limit)).scalars())


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
    open_actions = visible_actions(principal).where(Action.status.in_(OPEN_ACTION_STATUSES))
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


def workable(principal: Principal, actions: list[Action]) -> set[int]:
    """Ids of `actions` the principal may work (domain.access.may_work_action)."""
    return {a.id for a in actions if may_work_action(principal, a.owner_unit)}
