"""Editing and deleting an assessment's threats and measures from the pages (API.md "Risk
assessments"): `/assessments/{id}/threats/{tid}/edit` and `…/measures/{mid}/edit`, each with its
delete button (a confirmation dialog first: static/js/confirm.js).

M1 is the services' (services/assessments/threats.py), exactly as in the API: these pages only
offer the choices the person may make — the threat domains of `threat_domains_for`, the measure
owners of `measure_owner_units` — and say why when a choice is withheld. A cyber threat's details
are not shown to a unit without `cyber` (para 6): its edit page answers 404 to them, like the API.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal
from incident_hub.domain.assessments import DOMAINS, measure_owner_units, threat_domains_for
from incident_hub.domain.risk import LABELS
from incident_hub.errors import AppError, NotFound
from incident_hub.i18n import said, translate, translated
from incident_hub.models import Measure, Threat
from incident_hub.runtime import units
from incident_hub.services.assessments import threats as svc
from incident_hub.services.assessments.queries import (
    current_signoffs,
    get_measure,
    get_visible_assessment,
    measure_view,
    threat_view,
)
from incident_hub.web.assessment_forms import WHEN, MeasureFields, ThreatForm
from incident_hub.web.assessments import cyber_units, key_of, saved
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import refuse, restored
from incident_hub.web.forms import PostForm, opt


def _threat(assessment_id: int, threat_id: int) -> tuple[Threat, dict[str, Any]]:
    """The threat and its view; 404 when it is not the person's to see in full (para 6)."""
    p = current_principal()
    t = svc.get_visible_threat(p, assessment_id, threat_id)
    view = threat_view(t, p)
    if view.get("restricted"):
        raise NotFound(f"Assessment {assessment_id} has no threat {threat_id}.")
    return t, view


def _threat_url(assessment_id: int, threat_id: int) -> str:
    return url_for("web.threat_edit", assessment_id=assessment_id, threat_id=threat_id)


def _measure_url(assessment_id: int, threat_id: int, measure_id: int) -> str:
    return url_for("web.measure_edit", assessment_id=assessment_id, threat_id=threat_id, measure_id=measure_id)


@bp.get("/assessments/<int:assessment_id>/threats/<int:threat_id>/edit")
def threat_edit(assessment_id: int, threat_id: int) -> ResponseReturnValue:
    t, view = _threat(assessment_id, threat_id)
    domains = threat_domains_for(current_principal(), units())
    key = key_of(assessment_id, f"threat-{threat_id}")
    form = restored(ThreatForm, key, prefix="threat")
    if form is None:
        form = ThreatForm(prefix="threat", formdata=None, data={k: view[k] for k in svc.THREAT_FIELDS})
    form.offer_domains(domains)
    return render_template(
        "assessments/threat.html",
        a=get_visible_assessment(current_principal(), assessment_id),
        t=view,
        frozen=t.version.frozen_at is not None,
        may_edit=t.domain in domains,
        cyber_withheld=len(domains) < len(DOMAINS),
        cyber_units=cyber_units(),
        form=form,
        delete_form=PostForm(formdata=None),
        labels=translated(LABELS),
    )


@bp.post("/assessments/<int:assessment_id>/threats/<int:threat_id>/edit")
def threat_save(assessment_id: int, threat_id: int) -> ResponseReturnValue:
    p = current_principal()
    signed = current_signoffs(p, assessment_id)
    _threat(assessment_id, threat_id)
    form = ThreatForm(prefix="threat")
    form.offer_domains(DOMAINS)  # the service applies M1, with its own words
    key, back = key_of(assessment_id, f"threat-{threat_id}"), _threat_url(assessment_id, threat_id)
    if not form.validate_on_submit():
        return refuse(form, key, back, "edit-threat")
    try:
        t = svc.update_threat(p, assessment_id, threat_id, form.data_in())
    except AppError as exc:
        return refuse(form, key, back, "edit-threat", exc)
    message = _(
        "Threat '%(title)s' saved (risk %(risk_level)s).", title=t.title, risk_level=translate(LABELS[t.risk_level])
    )
    return saved(assessment_id, message, signed, f"threat-{threat_id}")


@bp.post("/assessments/<int:assessment_id>/threats/<int:threat_id>/delete")
def threat_delete(assessment_id: int, threat_id: int) -> ResponseReturnValue:
    p = current_principal()
    signed = current_signoffs(p, assessment_id)
    _t, view = _threat(assessment_id, threat_id)
    if not PostForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(_threat_url(assessment_id, threat_id))
    try:
        svc.delete_threat(p, assessment_id, threat_id)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        flash(said(exc), "error")
        return redirect(f"{_threat_url(assessment_id, threat_id)}#delete-threat")
    return saved(assessment_id, _("Threat '%(title)s' and its measures deleted.", title=view["title"]), signed)


def _measure(assessment_id: int, threat_id: int, measure_id: int) -> tuple[Threat, Measure]:
    t, _view = _threat(assessment_id, threat_id)
    return t, get_measure(t, measure_id)


def _measure_form(t: Threat, m: Measure, key: str) -> MeasureFields:
    form = restored(MeasureFields, key, prefix="measure")
    if form is None:
        view = measure_view(m)
        data = {k: view[k] for k in ("kind", "description", "owner_unit")}
        data.update({k: str(view[k] or "") for k in ("residual_likelihood", "residual_impact")})
        form = MeasureFields(prefix="measure", formdata=None, data=data)
        form.due_at.data = m.due_at
    form.owner_unit.choices = [opt(c) for c in measure_owner_units(t.domain, units())]
    return form


@bp.get("/assessments/<int:assessment_id>/threats/<int:threat_id>/measures/<int:measure_id>/edit")
def measure_edit(assessment_id: int, threat_id: int, measure_id: int) -> ResponseReturnValue:
    t, m = _measure(assessment_id, threat_id, measure_id)
    owners = measure_owner_units(t.domain, units())
    return render_template(
        "assessments/measure.html",
        a=get_visible_assessment(current_principal(), assessment_id),
        t=threat_view(t, current_principal()),
        m=measure_view(m),
        frozen=t.version.frozen_at is not None,
        may_edit=t.domain in threat_domains_for(current_principal(), units()),
        owners_withheld=len(owners) < len(units().codes()),
        cyber_units=cyber_units(),
        form=_measure_form(t, m, key_of(assessment_id, f"measure-{measure_id}")),
        delete_form=PostForm(formdata=None),
        labels=translated(LABELS),
        when_format=WHEN,
    )


@bp.post("/assessments/<int:assessment_id>/threats/<int:threat_id>/measures/<int:measure_id>/edit")
def measure_save(assessment_id: int, threat_id: int, measure_id: int) -> ResponseReturnValue:
    p = current_principal()
    signed = current_signoffs(p, assessment_id)
    _measure(assessment_id, threat_id, measure_id)
    form = MeasureFields(prefix="measure")
    form.owner_unit.choices = [opt(c) for c in units().codes()]  # the service applies M1
    key, back = key_of(assessment_id, f"measure-{measure_id}"), _measure_url(assessment_id, threat_id, measure_id)
    if not form.validate_on_submit():
        return refuse(form, key, back, "edit-measure")
    try:
        m = svc.update_measure(p, assessment_id, threat_id, measure_id, form.data_in())
    except AppError as exc:
        return refuse(form, key, back, "edit-measure", exc)
    message = (
        _("Measure saved; it is tracked as action %(id)s.", id=m.action_id) if m.action_id else _("Measure saved.")
    )
    return saved(assessment_id, message, signed, f"measure-{measure_id}")


@bp.post("/assessments/<int:assessment_id>/threats/<int:threat_id>/measures/<int:measure_id>/delete")
def measure_delete(assessment_id: int, threat_id: int, measure_id: int) -> ResponseReturnValue:
    p = current_principal()
    signed = current_signoffs(p, assessment_id)
    _measure(assessment_id, threat_id, measure_id)
    back = _measure_url(assessment_id, threat_id, measure_id)
    if not PostForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(back)
    try:
        svc.delete_measure(p, assessment_id, threat_id, measure_id)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        flash(said(exc), "error")
        return redirect(f"{back}#delete-measure")
    return saved(assessment_id, _("Measure deleted (an action it created stays on the board)."), signed)
