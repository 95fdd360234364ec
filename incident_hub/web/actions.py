"""`/actions`: the actions board (by status) and list (sortable, paged, with a bulk bar), with the
filters of API.md "Actions" (owner unit, status, assignee, incident, overdue, due before).

Every view is bounded whatever the data: the board shows at most `BOARD_COLUMN_LIMIT` cards a column
(with the column's total and a link to the rest as a list), the list `PER_PAGE` rows a page. Every
POST answers with a redirect (post/redirect/get); a refusal is said on the card or above the list,
and the page opens on it. The services decide every change (403/404/409/422).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.domain.labels import ACTION_MOVES, ACTION_SORTS, label
from incident_hub.domain.lifecycle import ACTION_STATUSES, ACTION_TRANSITIONS
from incident_hub.errors import AppError
from incident_hub.i18n import said, said_fields, translate
from incident_hub.ids import MAX_ID
from incident_hub.runtime import units
from incident_hub.services.actions.board import board, workable
from incident_hub.services.actions.bulk import BulkResult, bulk_change
from incident_hub.services.actions.commands import transition_action
from incident_hub.services.actions.queries import (
    ActionFilter,
    assignable_users,
    exact_total,
    get_visible_action,
    is_overdue,
    list_actions,
    usernames,
)
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import ActionFilterForm, ActionTransitionForm, BulkActionForm, label_choices, opt
from incident_hub.web.support import query_without, read_long_list, safe_back

PER_PAGE = 50
REFUSAL_KEY = "action_refusal"
# The pages ask why work is cancelled (one action or many); the reason is stored on the action and
# in its audit entry, and its page shows it.
CANCEL_WHY = _l("Say why the action is cancelled.")
BULK_KEY = "bulk_result"


def _filters() -> tuple[ActionFilterForm, ActionFilter, str]:
    """The filter form of the query string, the valid filters (an invalid one is shown and ignored), the sort."""
    form = ActionFilterForm(request.args)
    form.owner_unit.choices = [opt("", "any"), *(opt(c) for c in units().codes())]
    form.status.choices = [opt("", "any"), *label_choices(ACTION_STATUSES, "action_status")]
    form.assignee.choices = [
        opt("", "anyone"),
        *(opt(name, f"{name} ({unit or '—'})") for name, unit in assignable_users()),
    ]
    form.sort.choices = [opt(v, text) for v, text in ACTION_SORTS.items()]
    form.validate()
    d = {name: (None if field.errors else field.data) for name, field in form._fields.items()}
    due_before = d["due_before"]
    f = ActionFilter(
        status=d["status"] or None,
        owner_unit=d["owner_unit"] or None,
        assignee=d["assignee"] or None,
        incident_id=d["incident_id"],
        overdue=True if d["overdue"] else None,
        due_before=utc_midnight(due_before) if due_before else None,
    )
    sort = d["sort"] if d["sort"] in ACTION_SORTS else "due_at"
    form.sort.data = sort
    return form, f, sort


def _people() -> list[Any]:
    return [opt(name, f"{name} ({unit or '—'})") for name, unit in assignable_users()]


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _card_form(action_id: int) -> ActionTransitionForm:
    """One card's form; the prefix keeps field ids unique on the board (`a12-evidence`)."""
    return ActionTransitionForm(prefix=f"a{action_id}", formdata=None)


@bp.get("/actions")
def actions_board() -> ResponseReturnValue:
    form, f, sort = _filters()
    if request.args.get("view") == "list":
        return _list(form, f, sort)
    principal = current_principal()
    mine = request.args.get("mine") == "1"
    now = utcnow()
    result = board(principal, mine, f)
    every = [a for status_ in ACTION_STATUSES for a in result.columns[status_]]
    may = workable(principal, every)
    columns = {s: [(a, is_overdue(a, now)) for a in result.columns[s]] for s in ACTION_STATUSES}
    moves = {a.id: [t for t in ACTION_MOVES if t in ACTION_TRANSITIONS[a.status]] if a.id in may else [] for a in every}
    refusal = session.pop(REFUSAL_KEY, None)
    forms = {a.id: _card_form(a.id) for a in every if moves[a.id]}
    board_errors = []
    if refusal:
        shown = refusal["id"] in forms and refusal["to"] in moves.get(refusal["id"], [])
        if shown:
            card = forms[refusal["id"]]
            card.to.data = refusal["to"]
            field = getattr(card, refusal.get("field") or "", None)
            if field is not None and refusal["to"] in ("done", "blocked", "cancelled"):
                field.errors = [refusal["message"]]
            else:
                card.form_errors.append(refusal["message"])
        else:  # the card is gone or no longer offers that change: say it at the top
            board_errors.append(_("Action %(id)s: %(message)s", id=refusal["id"], message=refusal["message"]))
    return render_template(
        "actions/board.html",
        view="board",
        filter_form=form,
        filtered=f != ActionFilter(),
        board_errors=board_errors,
        columns=columns,
        totals=result.totals,
        mine=mine,
        moves=moves,
        forms=forms,
        refusal=refusal,
        args=query_without("page", "after"),
        list_args=query_without("page", "view", "status", "mine", "after"),
    )


def _list(form: ActionFilterForm, f: ActionFilter, sort: str) -> ResponseReturnValue:
    principal = current_principal()
    found, pager, stale = read_long_list(
        lambda page, after: list_actions(principal, f, page, PER_PAGE, sort, after),
        lambda: exact_total(principal, f),
        PER_PAGE,
    )
    rows, now = found.rows, utcnow()
    bulk = BulkActionForm(formdata=None)
    bulk.assignee.choices = [
        opt("", "nobody (unassign)"),
        *(opt(n, f"{n} ({u or '—'})") for n, u in assignable_users()),
    ]
    bulk.back.data = request.full_path
    return render_template(
        "actions/board.html",
        view="list",
        filter_form=form,
        filtered=f != ActionFilter(),
        rows=[(a, is_overdue(a, now)) for a in rows],
        names=usernames(rows),
        may=workable(principal, rows),
        total=found.total,
        pager=pager,
        stale=stale,
        sort=sort,
        bulk=bulk,
        result=session.pop(BULK_KEY, None),
        mine=False,
        args=query_without("page", "after"),
        sort_args=query_without("page", "sort", "after"),
        list_args=query_without("page", "view", "status", "mine", "after"),
    )


@bp.post("/actions/<int:action_id>/transition")
def action_transition(action_id: int) -> ResponseReturnValue:
    form = ActionTransitionForm(prefix=f"a{action_id}")
    mine = request.args.get("mine") == "1"
    board_url = url_for("web.actions_board", mine="1" if mine else None)
    if not form.validate_on_submit():
        session[REFUSAL_KEY] = {
            "id": action_id,
            "to": form.to.data or "",
            "field": "",
            "message": _("The form expired; please try again."),
        }
        return redirect(f"{board_url}#action-{action_id}")
    if form.to.data == "cancelled" and not (form.reason.data or "").strip():
        get_visible_action(current_principal(), action_id)  # 404 first
        session[REFUSAL_KEY] = {"id": action_id, "to": "cancelled", "field": "reason", "message": str(CANCEL_WHY)}
        return redirect(f"{board_url}#action-{action_id}")
    try:
        action = transition_action(
            current_principal(), action_id, form.to.data, form.evidence.data or "", form.reason.data or ""
        )
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        field, messages = next(iter(said_fields(exc).items()), ("", [said(exc)]))
        session[REFUSAL_KEY] = {"id": action_id, "to": form.to.data, "field": field, "message": messages[0]}
    else:
        flash(
            _(
                "Action %(id)s is now %(status)s.",
                id=action.id,
                status=label("action_status", action.status, translate).lower(),
            ),
            "ok",
        )
    return redirect(f"{board_url}#action-{action_id}")


BULK_OPS = {"assign": ("assign", ""), "start": ("transition", "in_progress"), "cancel": ("transition", "cancelled")}


@bp.post("/actions/bulk")
def actions_bulk() -> ResponseReturnValue:
    """Assign, start or cancel the selected actions; one result per action, said above the list."""
    form = BulkActionForm()
    back = safe_back(form.back.data, url_for("web.actions_board", view="list"))
    ids = (
        [i for i in (form.ids.data or []) if isinstance(i, int) and 0 < i <= MAX_ID]
        if form.validate_on_submit()
        else []
    )
    op, to = BULK_OPS.get(form.op.data or "", ("", ""))
    reason = (form.reason.data or "").strip()
    problem = (
        _("The form expired; please try again.")
        if form.csrf_token.errors
        else _("Select at least one action.")
        if not ids
        else _("Choose what to do with the selected actions.")
        if not op
        else _("Say why the actions are cancelled.")
        if form.op.data == "cancel" and not reason
        else None
    )
    if problem:
        session[BULK_KEY] = {"problem": problem}
        return redirect(f"{back}#bulk-results")
    results = bulk_change(current_principal(), ids, op, assignee=form.assignee.data or None, to=to, reason=reason)
    session[BULK_KEY] = _summary(form.op.data, results)
    return redirect(f"{back}#bulk-results")


def _summary(op: str, results: list[BulkResult]) -> dict[str, Any]:
    """Small enough for the session cookie: done ids with their status, refusals grouped by what they
    say, in the language of the person who asked (the page right after shows it)."""
    done = {str(r.id): r.status for r in results if r.ok}
    refused: dict[str, list[int]] = {}
    for r in results:
        if not r.ok:
            text = said(r.reason) if r.reason is not None else _("Refused.")
            refused.setdefault(text[:160], []).append(r.id)
    return {"op": op, "done": done, "refused": refused}


def refused_ids(result: dict[str, Any] | None) -> dict[int, str]:
    if not result:
        return {}
    return {i: text for text, ids in result.get("refused", {}).items() for i in ids}
