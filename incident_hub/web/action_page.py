"""`/actions/<id>`: one action — its incident, playbook step, owner unit, assignee, due date,
status history, evidence, block reason and comments — and the forms that work it: status,
assignee (a picker of the owner unit's active users), due date with a reason, comment.

Thin: services/actions/commands.py decides (who may, M1, the lifecycle). Every POST answers with
a redirect; a refused form comes back as typed, with the error at its field (web/drafts.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.domain.access import may_work_action
from incident_hub.domain.labels import ACTION_MOVES, label
from incident_hub.domain.lifecycle import ACTION_TRANSITIONS
from incident_hub.errors import AppError
from incident_hub.i18n import translate
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
from incident_hub.web.actions import CANCEL_WHY
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import form_or_new, refuse, restored
from incident_hub.web.forms import ActionTransitionForm, AssignForm, CommentForm, DueDateForm, opt

NOBODY = "-"


def _key(action_id: int, form: str) -> str:
    return f"action:{action_id}:{form}"


def _forms(action: Action) -> dict[str, FlaskForm]:
    """Every form of the page, empty, except the one a refusal redirected here with."""
    due = restored(DueDateForm, _key(action.id, "due"), prefix="due") or DueDateForm(
        prefix="due", formdata=None, due_at=action.due_at
    )
    forms: dict[str, FlaskForm] = {
        "assign": form_or_new(AssignForm, _key(action.id, "assign"), prefix="assign"),
        "due": due,
        "comment": form_or_new(CommentForm, _key(action.id, "comment"), prefix="comment"),
        **{t: form_or_new(ActionTransitionForm, _key(action.id, t), prefix=f"to-{t}") for t in ACTION_MOVES},
    }
    _choices(forms["assign"], action)
    return forms


def _choices(form: AssignForm, action: Action) -> None:
    names = unit_assignees(action)
    form.assignee.choices = [opt(NOBODY, "— nobody —"), *(opt(n) for n in names)]
    if form.assignee.data is None:
        current = usernames([action]).get(action.assignee_id) if action.assignee_id else None
        form.assignee.data = current if current in names else NOBODY


@bp.get("/actions/<int:action_id>")
def action_page(action_id: int) -> ResponseReturnValue:
    principal = current_principal()
    action = get_visible_action(principal, action_id)
    may_work = may_work_action(principal, action.owner_unit)
    return render_template(
        "actions/detail.html",
        action=action,
        assignee=usernames([action]).get(action.assignee_id) if action.assignee_id else None,
        overdue=is_overdue(action, utcnow()),
        context=action_context(action),
        history=action_history(action),
        comments=action_comments(action),
        may_work=may_work,
        moves=[t for t in ACTION_MOVES if t in ACTION_TRANSITIONS[action.status]] if may_work else [],
        forms=_forms(action),
    )


def _page_of(action_id: int) -> str:
    return url_for("web.action_page", action_id=action_id)


def _done(action_id: int, message: str, anchor: str = "") -> ResponseReturnValue:
    flash(message, "ok")
    return redirect(_page_of(action_id) + anchor)


@bp.post("/actions/<int:action_id>/assign")
def action_assign(action_id: int) -> ResponseReturnValue:
    form = AssignForm(prefix="assign")
    action = get_visible_action(current_principal(), action_id)
    _choices(form, action)
    key = _key(action_id, "assign")
    if not form.validate_on_submit():
        return refuse(form, key, _page_of(action_id), "assignment")
    username = None if form.assignee.data == NOBODY else form.assignee.data
    try:
        svc.assign_action(current_principal(), action_id, username)
    except AppError as exc:
        return refuse(form, key, _page_of(action_id), "assignment", exc)
    message = _("Assigned to %(username)s.", username=username) if username else _("Unassigned.")
    return _done(action_id, message, "#assignment")


@bp.post("/actions/<int:action_id>/due-date")
def action_due_date(action_id: int) -> ResponseReturnValue:
    get_visible_action(current_principal(), action_id)  # 404 first
    form = DueDateForm(prefix="due")
    key = _key(action_id, "due")
    if not form.validate_on_submit():
        return refuse(form, key, _page_of(action_id), "due-form")
    due = form.due_at.data.replace(tzinfo=utcnow().tzinfo) if form.due_at.data else None
    try:
        svc.change_due_date(current_principal(), action_id, due, form.reason.data)
    except AppError as exc:
        return refuse(form, key, _page_of(action_id), "due-form", exc)
    return _done(action_id, _("Due date changed."), "#assignment")


@bp.post("/actions/<int:action_id>/status")
def action_status(action_id: int) -> ResponseReturnValue:
    get_visible_action(current_principal(), action_id)
    target = next((t for t in ACTION_MOVES if f"to-{t}-to" in request.form), "")
    if not target:
        flash(_("The status form was incomplete."), "error")
        return redirect(_page_of(action_id) + "#status")
    form = ActionTransitionForm(prefix=f"to-{target}")
    key = _key(action_id, target)
    if not form.validate_on_submit():
        return refuse(form, key, _page_of(action_id), f"move-{target}")
    if target == "cancelled" and not (form.reason.data or "").strip():
        form.reason.errors = [str(CANCEL_WHY)]
        return refuse(form, key, _page_of(action_id), f"move-{target}")
    try:
        action = svc.transition_action(
            current_principal(), action_id, form.to.data, form.evidence.data or "", form.reason.data or ""
        )
    except AppError as exc:
        return refuse(form, key, _page_of(action_id), f"move-{target}", exc)
    status = label("action_status", action.status, translate).lower()
    return _done(action_id, _("Status is now %(status)s.", status=status), "#status")


@bp.post("/actions/<int:action_id>/comments")
def action_comment(action_id: int) -> ResponseReturnValue:
    get_visible_action(current_principal(), action_id)
    form = CommentForm(prefix="comment")
    key = _key(action_id, "comment")
    if not form.validate_on_submit():
        return refuse(form, key, _page_of(action_id), "comments")
    try:
        svc.add_action_comment(current_principal(), action_id, form.body.data)
    except AppError as exc:
        return refuse(form, key, _page_of(action_id), "comments", exc)
    return _done(action_id, _("Comment added."), "#comments")
