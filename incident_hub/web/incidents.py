"""Incident pages: list, new, edit, the incident page, transitions and comments.

Thin: forms in, services/incidents.py and services/incident_queries.py do the work; detection
fields are left out of the form and the page for a principal who may not see them (para 6).
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.domain.access import (
    check_may_change_incident,
    may_change_incident,
    may_manage_playbooks,
    sees_detection,
)
from incident_hub.domain.explain import criteria_rows
from incident_hub.domain.labels import INCIDENT_SORTS, label
from incident_hub.domain.lifecycle import INCIDENT_TRANSITIONS
from incident_hub.errors import AppError, RuleViolation, ValidationError
from incident_hub.i18n import said, translate
from incident_hub.runtime import units
from incident_hub.services.actions.board import incident_actions
from incident_hub.services.incidents import commands as svc
from incident_hub.services.incidents.closure import open_work
from incident_hub.services.incidents.preview import preview_facts
from incident_hub.services.incidents.queries import (
    IncidentFilter,
    event_view,
    exact_total,
    get_visible_incident,
    incident_view,
    list_incidents,
    timeline,
)
from incident_hub.services.playbooks.on_incident import playbooks_for_incident
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import form_or_new, refuse, restored
from incident_hub.web.forms import (
    CommentForm,
    EditIncidentForm,
    IncidentFilterForm,
    IncidentForm,
    TransitionForm,
    opt,
)
from incident_hub.web.support import int_arg, query_without, read_long_list

F = TypeVar("F", bound=IncidentForm)
PER_PAGE = 25
ACTIONS_ON_PAGE = 50  # more: a link to the actions list of the incident
HYBRID_FILTER = {"yes": True, "no": False}


def _filters(form: IncidentFilterForm) -> IncidentFilter:
    """The valid filters (an invalid one is shown with its error and ignored)."""
    form.validate()
    d = {name: (None if field.errors else field.data) for name, field in form._fields.items()}
    return IncidentFilter(
        status=d["status"] or None,  # "" and None: no filter
        lead_unit=d["lead_unit"] or None,
        severity=d["severity"] or None,
        hybrid=HYBRID_FILTER.get(d["hybrid"] or ""),
        rule=d["rule"] or None,
        q=(d["q"] or "").strip() or None,
    )


@bp.get("/incidents")
def incidents() -> ResponseReturnValue:
    principal = current_principal()
    form = IncidentFilterForm(request.args)
    form.lead_unit.choices = [opt("", "any"), *(opt(c) for c in units().codes())]
    sorts = list(INCIDENT_SORTS)
    form.sort.choices = [opt(v, INCIDENT_SORTS[v]) for v in sorts]
    filters = _filters(form)
    default = "relevance" if filters.q else "-created_at"
    asked = request.args.get("sort", "")
    sort = asked if asked in sorts else default
    if sort == "relevance" and not filters.q:
        sort = "-created_at"
    form.sort.data = sort
    per_page = int_arg("per_page", PER_PAGE, 1, 500)
    found, pager, stale = read_long_list(
        lambda page, after: list_incidents(principal, filters, page, per_page, sort, after),
        lambda: exact_total(principal, filters),
        per_page,
    )
    return render_template(
        "incidents/list.html",
        form=form,
        rows=found.rows,
        total=found.total,
        pager=pager,
        stale=stale,
        sort=sort,
        args=query_without("page", "after"),
        sort_args=query_without("page", "sort", "after"),
        filtered=filters != IncidentFilter(),
        searches_detection=sees_detection(principal, units()),
    )


NEW_KEY = "incident:new"


def _for_principal(form: F) -> F:
    """Detection fields only for a principal who may see them (para 6)."""
    if not sees_detection(current_principal(), units()):
        form.without_detection()
    return form


@bp.get("/incidents/new")
def incident_new() -> ResponseReturnValue:
    form = _for_principal(form_or_new(IncidentForm, NEW_KEY))
    return render_template("incidents/form.html", form=form, incident=None)


@bp.post("/incidents/new")
def incident_create() -> ResponseReturnValue:
    form = _for_principal(IncidentForm())
    back = url_for("web.incident_new")
    if not form.validate_on_submit():
        return refuse(form, NEW_KEY, back, "incident-form")
    principal = current_principal()
    try:
        incident = svc.create_incident(principal, form.facts(), created_by_id=principal.user_id)
    except (ValidationError, RuleViolation) as exc:
        return refuse(form, NEW_KEY, back, "incident-form", exc)
    flash(
        _(
            "Incident %(id)s created and routed by %(rule)s to %(lead_unit)s.",
            id=incident.id,
            rule=incident.rule,
            lead_unit=incident.lead_unit,
        ),
        "ok",
    )
    return redirect(url_for("web.incident", incident_id=incident.id))


@bp.get("/incidents/<int:incident_id>")
def incident(incident_id: int) -> ResponseReturnValue:
    principal = current_principal()
    inc = get_visible_incident(principal, incident_id)
    view = incident_view(inc, principal)
    now = utcnow()
    actions = incident_actions(principal, inc.id, ACTIONS_ON_PAGE + 1)
    may_change = may_change_incident(principal, inc.lead_unit, units())
    allowed = sorted(INCIDENT_TRANSITIONS[inc.status]) if may_change else []
    if inc.status == "closed" and not principal.is_manager:
        allowed = []  # reopening a closed incident is a manager's (domain/closure.py)
    return render_template(
        "incidents/detail.html",
        incident=view,
        criteria=criteria_rows(view["classification"]["hybrid_criteria"], inc.vectors, inc.effects, inc.deliberate),
        events=[event_view(e) for e in timeline(principal, inc.id)],
        actions=actions[:ACTIONS_ON_PAGE],
        more_actions=len(actions) > ACTIONS_ON_PAGE,
        now_utc=now,
        transitions=allowed,
        may_change=may_change,
        open_work=open_work(inc) if "closed" in allowed else [],
        playbooks=playbooks_for_incident(principal, inc.id),
        may_manage_playbooks=may_manage_playbooks(principal, inc.lead_unit) and inc.status != "closed",
        is_manager=principal.is_manager,
        comment_form=CommentForm(formdata=None),
    )


def _changes(form: EditIncidentForm, view: dict[str, Any]) -> dict[str, Any]:
    """Only what the form changed, so unchanged facts do not re-run routing."""
    changes = {}
    for name, value in form.facts().items():
        old = view.get(name)
        if name == "occurred_at":
            same = (old or "")[:16] == ("" if value is None else value.strftime("%Y-%m-%dT%H:%M"))
        elif name in ("vectors", "effects"):
            same = sorted(value) == sorted(old or [])
        else:
            same = value == old
        if not same:
            changes[name] = value
    if form.lead_unit.data and form.lead_unit.data != view["routing"]["lead_unit"]:
        changes["lead_unit"] = form.lead_unit.data
    return changes


def _editable(incident_id: int) -> dict[str, Any] | None:
    """The incident's view when the principal may edit it now; None (with a flash) when it is closed."""
    principal = current_principal()
    view = incident_view(get_visible_incident(principal, incident_id), principal)
    check_may_change_incident(principal, view["routing"]["lead_unit"], units())
    if view["status"] == "closed":
        flash(_("A closed incident cannot be edited; a manager may reopen it."), "error")
        return None
    return view


def _edit_form(form: EditIncidentForm, view: dict[str, Any]) -> EditIncidentForm:
    lead = view["routing"]["lead_unit"]
    form.lead_unit.choices = [opt("", _("keep (%(unit)s)", unit=lead)), *(opt(c) for c in units().codes())]
    return _for_principal(form)


def _edit_key(incident_id: int) -> str:
    return f"incident:{incident_id}:edit"


@bp.get("/incidents/<int:incident_id>/edit")
def incident_edit(incident_id: int) -> ResponseReturnValue:
    view = _editable(incident_id)
    if view is None:
        return redirect(url_for("web.incident", incident_id=incident_id))
    form = restored(EditIncidentForm, _edit_key(incident_id))
    preview = None
    if form is None:
        form = _edit_form(EditIncidentForm(formdata=None), view)
        form.fill(view)
    else:
        _edit_form(form, view)
        if request.args.get("preview") == "1" and not any(f.errors for f in form):
            # Nothing is saved: what the save would change, shown above the same form.
            preview = preview_facts(current_principal(), incident_id, _changes(form, view))
    return render_template("incidents/form.html", form=form, incident=view, preview=preview)


@bp.post("/incidents/<int:incident_id>/edit")
def incident_save(incident_id: int) -> ResponseReturnValue:
    view = _editable(incident_id)
    if view is None:
        return redirect(url_for("web.incident", incident_id=incident_id))
    form = _edit_form(EditIncidentForm(), view)
    back = url_for("web.incident_edit", incident_id=incident_id)
    if not form.validate_on_submit():
        return refuse(form, _edit_key(incident_id), back, "incident-form")
    if "preview" in request.form:  # a preview changes nothing: the GET shows it (a reload asks nothing)
        return refuse(form, _edit_key(incident_id), f"{back}?preview=1", "preview")
    try:
        svc.update_incident(current_principal(), incident_id, _changes(form, view))
    except (ValidationError, RuleViolation) as exc:
        return refuse(form, _edit_key(incident_id), back, "incident-form", exc)
    flash(_("Incident updated."), "ok")
    return redirect(url_for("web.incident", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/transition")
def incident_transition(incident_id: int) -> ResponseReturnValue:
    form = TransitionForm()
    if form.validate_on_submit():
        try:
            svc.transition_incident(
                current_principal(),
                incident_id,
                form.to.data,
                form.note.data or "",
                form.override_reason.data or "",
                form.reason.data or "",
            )
            flash(_("Status is now %(data)s.", data=label("incident_status", form.to.data, translate)), "ok")
        except AppError as exc:
            if exc.status == 404:
                raise
            flash(said(exc), "error")
    else:
        flash(_("The transition form was incomplete."), "error")
    return redirect(url_for("web.incident", incident_id=incident_id) + "#transitions")


@bp.post("/incidents/<int:incident_id>/comments")
def incident_comment(incident_id: int) -> ResponseReturnValue:
    form = CommentForm()
    if form.validate_on_submit():
        svc.add_comment(current_principal(), incident_id, form.body.data)
        flash(_("Comment added."), "ok")
    else:
        get_visible_incident(current_principal(), incident_id)  # 404 before anything else
        flash(_("A comment cannot be empty."), "error")
    return redirect(url_for("web.incident", incident_id=incident_id) + "#timeline")
