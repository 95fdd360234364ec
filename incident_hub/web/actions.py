"""`/actions`: the actions board, by status, overdue highlighted, "mine" filter, and the status
changes allowed from each card's status (API.md "Actions"; services/actions.transition_action).

A card shows transition forms only when its principal may change the action, and only those of
`ACTION_TRANSITIONS[status]`; the service decides anyway (403/409/422). A refused change
re-renders the board (422) with the error next to the field of that card's form.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.domain.lifecycle import ACTION_STATUSES, ACTION_TRANSITIONS
from incident_hub.errors import AppError
from incident_hub.services.actions.board import board, workable
from incident_hub.services.actions.commands import transition_action
from incident_hub.services.actions.queries import is_overdue
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import ActionTransitionForm
from incident_hub.web.support import apply_errors

# Target status → button label; the order a card shows them in.
LABELS = {"in_progress": "Start", "blocked": "Block", "done": "Done", "cancelled": "Cancel"}


def _form(action_id: int, bound: bool = True) -> ActionTransitionForm:
    """One card's form; the prefix keeps field ids unique on the board (`a12-evidence`)."""
    return ActionTransitionForm(prefix=f"a{action_id}", **({} if bound else {"formdata": None}))


def _board(failed: dict[int, ActionTransitionForm] | None = None, status: int = 200) -> ResponseReturnValue:
    principal = current_principal()
    mine = request.args.get("mine") == "1"
    now = utcnow()
    result = board(principal, mine)
    every = [a for status_ in ACTION_STATUSES for a in result.columns[status_]]
    may = workable(principal, every)
    columns = {s: [(a, is_overdue(a, now)) for a in result.columns[s]] for s in ACTION_STATUSES}
    moves = {a.id: [t for t in LABELS if t in ACTION_TRANSITIONS[a.status]] if a.id in may else [] for a in every}
    # A refusal whose form the board no longer shows (e.g. the status moved on) is said at the top.
    orphans = [e for aid, f in (failed or {}).items() if f.to.data not in moves.get(aid, []) for e in f.form_errors]
    return (
        render_template(
            "actions/board.html",
            board_errors=orphans,
            columns=columns,
            totals=result.totals,
            mine=mine,
            moves=moves,
            labels=LABELS,
            forms={a.id: _form(a.id, bound=False) for a in every if moves[a.id]} | (failed or {}),
            failed=failed or {},
        ),
        status,
    )


@bp.get("/actions")
def actions_board() -> ResponseReturnValue:
    return _board()


@bp.post("/actions/<int:action_id>/transition")
def action_transition(action_id: int) -> ResponseReturnValue:
    form = _form(action_id)
    if form.validate_on_submit():
        try:
            action = transition_action(
                current_principal(), action_id, form.to.data, form.evidence.data or "", form.reason.data or ""
            )
        except AppError as exc:
            if exc.status in (403, 404):
                raise
            apply_errors(form, exc)
        else:
            flash(f"Action {action.id} is now {action.status.replace('_', ' ')}.", "ok")
            board_url = url_for("web.actions_board", mine="1" if request.args.get("mine") == "1" else None)
            return redirect(f"{board_url}#action-{action.id}")
    return _board({action_id: form}, 422)
