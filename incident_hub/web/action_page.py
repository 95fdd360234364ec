"""`/actions/<id>`: one action — its incident, playbook step, owner unit, assignee, due date,
status history, evidence, block reason and comments — and the forms that work it: status,
assignee (a picker of the owner unit's active users), due date with a reason, comment.

Thin: services/actions/commands.py decides (who may, M1, the lifecycle). A refused form
re-renders the page (422) with the error at its field.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.domain.access import may_work_action
from incident_hub.domain.labels import ACTION_MOVES
from incident_hub.domain.lifecycle import ACTION_TRANSITIONS
from incident_hub.errors import AppError
from incident_hub.models import Action
from incident_hub.services.actions import commands as svc
from incident_hub.services.actions.queries import (
    action_comments,
    action_context,
    action_history,
    get_visible_action,
    is_overdue,
    unit_assignees,
    usernames,
)
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import ActionTransitionForm, AssignForm, CommentForm, DueDateForm, opt
from incident_hub.web.support import apply_errors

NOBODY = "-"


def _forms(action_id: int, bound: FlaskForm | None = None) -> dict[str, FlaskForm]:
    """Every form of the page, empty, except the one that was just refused."""
    action = get_visible_action(current_principal(), action_id)
    forms: dict[str, FlaskForm] = {
        "assign": AssignForm(prefix="assign", formdata=None),
        "due": DueDateForm(prefix="due", formdata=None, due_at=action.due_at),
        "comment": CommentForm(prefix="comment", formdata=None),
        **{t: ActionTransitionForm(prefix=f"to-{t}", formdata=None) for t in ACTION_MOVES},
    }
    if bound is not None:
        forms[_key(bound)] = bound
    _choices(forms["assign"], action)
    return forms


def _key(form: FlaskForm) -> str:
    return str(form._prefix).rstrip("-").removeprefix("to-")


def _choices(form: AssignForm, action: Action) -> None:
    names = unit_assignees(action)
    form.assignee.choices = [opt(NOBODY, "— nobody —"), *(opt(n) for n in names)]
    if not form.is_submitted() or form.assignee.data is None:
        current = usernames([action]).get(action.assignee_id) if action.assignee_id else None
        form.assignee.data = current if current in names else NOBODY


def _page(action_id: int, bound: FlaskForm | None = None, status: int = 200) -> ResponseReturnValue:
    principal = current_principal()
    action = get_visible_action(principal, action_id)
    may_work = may_work_action(principal, action.owner_unit)
    return (
        render_template(
            "actions/detail.html",
            action=action,
            assignee=usernames([action]).get(action.assignee_id) if action.assignee_id else None,
            overdue=is_overdue(action, utcnow()),
            context=action_context(action),
            history=action_history(action),
            comments=action_comments(action),
            may_work=may_work,
            moves=[t for t in ACTION_MOVES if t in ACTION_TRANSITIONS[action.status]] if may_work else [],
            forms=_forms(action_id, bound),
        ),
        status,
    )


@bp.get("/actions/<int:action_id>")
def action_page(action_id: int) -> ResponseReturnValue:
    return _page(action_id)


def _done(action_id: int, message: str, anchor: str = "") -> ResponseReturnValue:
    flash(message, "ok")
    return redirect(url_for("web.action_page", action_id=action_id) + anchor)


def _refused(action_id: int, form: FlaskForm, exc: AppError) -> ResponseReturnValue:
    if exc.status in (403, 404):
        raise exc
    apply_errors(form, exc)
    return _page(action_id, form, 422)


@bp.post("/actions/<int:action_id>/assign")
def action_assign(action_id: int) -> ResponseReturnValue:
    form = AssignForm(prefix="assign")
    action = get_visible_action(current_principal(), action_id)
    _choices(form, action)
    if not form.validate_on_submit():
        return _page(action_id, form, 422)
    username = None if form.assignee.data == NOBODY else form.assignee.data
    try:
        svc.assign_action(current_principal(), action_id, username)
    except AppError as exc:
        return _refused(action_id, form, exc)
    return _done(action_id, f"Assigned to {username}." if username else "Unassigned.", "#assignment")


@bp.post("/actions/<int:action_id>/due-date")
def action_due_date(action_id: int) -> ResponseReturnValue:
    form = DueDateForm(prefix="due")
    if not form.validate_on_submit():
        return _page(action_id, form, 422)
    due = form.due_at.data.replace(tzinfo=utcnow().tzinfo) if form.due_at.data else None
    try:
        svc.change_due_date(current_principal(), action_id, due, form.reason.data)
    except AppError as exc:
        return _refused(action_id, form, exc)
    return _done(action_id, "Due date changed.", "#assignment")


@bp.post("/actions/<int:action_id>/status")
def action_status(action_id: int) -> ResponseReturnValue:
    target = next((t for t in ACTION_MOVES if f"to-{t}-to" in request.form), "")
    form = ActionTransitionForm(prefix=f"to-{target}")
    if not target or not form.validate_on_submit():
        return _page(action_id, form if target else None, 422)
    try:
        action = svc.transition_action(
            current_principal(), action_id, form.to.data, form.evidence.data or "", form.reason.data or ""
        )
    except AppError as exc:
        return _refused(action_id, form, exc)
    return _done(action_id, f"Status is now {action.status.replace('_', ' ')}.", "#status")


@bp.post("/actions/<int:action_id>/comments")
def action_comment(action_id: int) -> ResponseReturnValue:
    form = CommentForm(prefix="comment")
    if not form.validate_on_submit():
        return _page(action_id, form, 422)
    try:
        svc.add_action_comment(current_principal(), action_id, form.body.data)
    except AppError as exc:
        return _refused(action_id, form, exc)
    return _done(action_id, "Comment added.", "#comments")
