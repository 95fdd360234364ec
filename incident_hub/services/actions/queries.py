"""Reading actions under need to know (DOMAIN.md "Need to know"): an action is seen by exactly those
who may see its incident, else its assessment (services/visibility.py, domain/access.py).
`overdue` is derived from `due_at` and `status` at read time, never stored (API.md "Actions")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, select

from incident_hub.clock import to_iso, utcnow
from incident_hub.domain.access import Principal
from incident_hub.domain.lifecycle import ACTION_STATUSES, CLOSED_ACTION_STATUSES, OPEN_ACTION_STATUSES
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import Action, ActionComment, AuditEntry, Incident, Playbook, User
from incident_hub.services.listing import Keyset, LongPage, SortKey, exact_count, keyset_page, total_of
from incident_hub.services.visibility import visible_actions

SORTABLE = ("due_at", "created_at", "updated_at", "status", "id", "title", "owner_unit")
# Spelled as the predicate of the partial index `ix_actions_open_due` (inline values, not bound
# parameters) so PostgreSQL and SQLite see that the index holds every row the clause wants.
OPEN = Action.status.in_(bindparam("open_statuses", list(OPEN_ACTION_STATUSES), expanding=True, literal_execute=True))


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Not done nor cancelled, due before `now` (a range of the open actions' due-date index)."""
    return and_(OPEN, Action.due_at < now)


def is_overdue(action: Action, now: datetime) -> bool:
    return action.due_at is not None and action.due_at < now and action.status not in CLOSED_ACTION_STATUSES


def get_visible_action(principal: Principal, action_id: int) -> Action:
    """The action; 404 when the caller may not see it (services/visibility.py)."""
    action = db.session.execute(visible_actions(principal).where(Action.id == action_id)).scalar_one_or_none()
    if action is None:
        raise NotFound(Text(N_("No action %(id)s."), id=action_id))
    return action


@dataclass(frozen=True)
class ActionFilter:
    status: str | None = None
    owner_unit: str | None = None
    overdue: bool | None = None
    incident_id: int | None = None
    playbook_id: int | None = None
    assessment_id: int | None = None
    assignee: str | None = None  # a username; "" or None: any
    due_before: datetime | None = None


def filtered(q: Select[tuple[Action]], f: ActionFilter, now: datetime) -> Select[tuple[Action]]:
    """`q` narrowed by the filters of API.md "Actions" (each one an indexed column)."""
    for column, value in (
        (Action.status, f.status),
        (Action.owner_unit, f.owner_unit),
        (Action.incident_id, f.incident_id),
        (Action.playbook_id, f.playbook_id),
        (Action.assessment_id, f.assessment_id),
    ):
        if value is not None:
            q = q.where(column == value)
    if f.overdue is not None:
        clause = overdue_clause(now)
        q = q.where(clause if f.overdue else ~clause)
    if f.assignee:
        q = q.where(Action.assignee_id == select(User.id).where(User.username == f.assignee).scalar_subquery())
    if f.due_before is not None:
        q = q.where(Action.due_at < f.due_before)
    return q


# Each sort as a keyset (services/listing.py). Actions with no due date come last either way;
# status sorts in the board's order (open → cancelled) through its rank column.
_KEYS: dict[str, SortKey] = {
    "due_at": SortKey(Action.due_at, "time", lambda a: a.due_at, nullable=True),
    "created_at": SortKey(Action.created_at, "time", lambda a: a.created_at),
    "updated_at": SortKey(Action.updated_at, "time", lambda a: a.updated_at),
    "status": SortKey(Action.status_rank, "int", lambda a: ACTION_STATUSES.index(a.status)),
    "id": SortKey(Action.id, "int", lambda a: a.id),
    "title": SortKey(Action.title, "str", lambda a: a.title),
    "owner_unit": SortKey(Action.owner_unit, "str", lambda a: a.owner_unit),
}


def keyset(sort: str) -> Keyset:
    return Keyset.of(sort, _KEYS, Action.id)


def visible_filtered(principal: Principal, f: ActionFilter) -> Select[tuple[Action]]:
    return filtered(visible_actions(principal), f, utcnow())


def list_actions(
    principal: Principal,
    f: ActionFilter,
    page: int,
    per_page: int,
    sort: str = "due_at",
    after: str | None = None,
) -> LongPage[Action]:
    """One page of the actions `principal` may see (by page number, or right after the cursor
    `after`), the total of those only (an estimate past the setting's threshold), and the next
    page's cursor."""
    q = visible_filtered(principal, f)
    rows, cursor = keyset_page(q, keyset(sort), after, page, per_page)
    return LongPage(rows, total_of(q, Action.id), cursor)


def exact_total(principal: Principal, f: ActionFilter) -> int:
    """Every match counted, however many (only where the real last page is needed)."""
    return exact_count(visible_filtered(principal, f))


def action_snapshot(action: Action) -> dict[str, Any]:
    """The stored fields (for the audit trail and, with `overdue`, for clients)."""
    return {
        "id": action.id,
        "title": action.title,
        "description": action.description,
        "phase": action.phase,
        "owner_unit": action.owner_unit,
        "mandate": action.mandate,
        "assignee_id": action.assignee_id,
        "status": action.status,
        "due_at": to_iso(action.due_at),
        "completed_at": to_iso(action.completed_at),
        "evidence": action.evidence,
        "blocked_reason": action.blocked_reason,
        "cancel_reason": action.cancel_reason,
        "incident_id": action.incident_id,
        "assessment_id": action.assessment_id,
        "playbook_id": action.playbook_id,
        "source_step": action.source_step,
        "escalated_at": to_iso(action.escalated_at),
    }


def usernames(actions: list[Action]) -> dict[int, str]:
    """Assignee id → username for a page of actions, in one query."""
    ids = {a.assignee_id for a in actions if a.assignee_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())


def action_view(action: Action, now: datetime | None = None, names: dict[int, str] | None = None) -> dict[str, Any]:
    """What a client sees of an action: the stored fields, the assignee's username and `overdue`."""
    view = action_snapshot(action)
    names = usernames([action]) if names is None else names
    view["assignee"] = names.get(action.assignee_id) if action.assignee_id is not None else None
    view["overdue"] = is_overdue(action, now or utcnow())
    view["created_at"], view["updated_at"] = to_iso(action.created_at), to_iso(action.updated_at)
    return view


def assignable_users(limit: int = 500) -> list[tuple[str, str | None]]:
    """(username, unit) of the active people who may be assigned an action, by unit then name.
    The service checks the choice anyway (an active user; M1 on the action's mandate)."""
    q = (
        select(User.username, User.unit)
        .where(User.active.is_(True), User.role.in_(("oict_responder", "dss_officer", "manager")))
        .order_by(User.unit, User.username)
        .limit(limit)
    )
    return [(name, unit) for name, unit in db.session.execute(q).tuples()]


def unit_assignees(action: Action) -> list[str]:
    """Who the assignee picker offers: the active users of the owner unit (API.md "Actions")."""
    q = select(User.username).where(User.active.is_(True), User.unit == action.owner_unit).order_by(User.username)
    return list(db.session.execute(q).scalars())


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    what: str  # action.create | action.transition | action.assign | action.due_date | action.update | action.comment
    before: Any
    after: Any


def action_history(action: Action) -> list[HistoryEntry]:
    """The action's audit entries, oldest first: status changes, assignments, due dates."""
    q = (
        select(AuditEntry)
        .where(AuditEntry.object_type == "action", AuditEntry.object_id == str(action.id))
        .order_by(AuditEntry.seq)
    )
    return [HistoryEntry(e.at, e.actor, e.action, e.before, e.after) for e in db.session.execute(q).scalars()]


def action_comments(action: Action) -> list[ActionComment]:
    q = select(ActionComment).where(ActionComment.action_id == action.id).order_by(ActionComment.id)
    return list(db.session.execute(q).scalars())


def comment_view(c: ActionComment) -> dict[str, Any]:
    return {"id": c.id, "at": to_iso(c.at), "author": c.author, "body": c.body}


@dataclass(frozen=True)
class ActionContext:
    """What the action page shows around an action: its incident and playbook step."""

    incident_title: str | None
    incident_status: str | None
    playbook_name: str | None
    playbook_key: str | None
    step_title: str | None


def action_context(action: Action) -> ActionContext:
    incident = db.session.get(Incident, action.incident_id) if action.incident_id is not None else None
    playbook = db.session.get(Playbook, action.playbook_id) if action.playbook_id is not None else None
    step_title = None
    if playbook is not None and action.source_step:
        steps = (playbook.definition or {}).get("steps") or []
        step_title = next(
            (s.get("title") for s in steps if isinstance(s, dict) and s.get("id") == action.source_step), None
        )
    return ActionContext(
        incident.title if incident else None,
        incident.status if incident else None,
        playbook.name if playbook else None,
        playbook.key if playbook else None,
        step_title,
    )


def overdue_now(principal: Principal, now: datetime) -> int:
    """How many actions the principal may see are overdue now: the home page's figure, the same
    count (for a manager, who sees every action) as the dashboard's `actions.overdue_total`."""
    return exact_count(visible_actions(principal).where(overdue_clause(now)))
