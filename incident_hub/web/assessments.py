"""Assessment pages: `/assessments` (list) and `/assessments/{id}` (API.md "Pages"; DOMAIN.md
"Joint security risk assessment"): the 5×5 matrix, threats, measures with residual risk,
sign-off state and button, versions (older ones read-only), add-threat and add-measure forms.

Thin: the page shows exactly `assessment_view()` for the principal, so a DSS officer sees of a
cyber threat only its title, domain and risk level (para 6); services decide every change.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal
from incident_hub.domain.risk import IMPACT_NAMES, LABELS, LIKELIHOOD_NAMES
from incident_hub.errors import AppError
from incident_hub.i18n import translated
from incident_hub.ids import parse_id
from incident_hub.runtime import risk_matrix, units
from incident_hub.services.assessments import threats as threats_svc
from incident_hub.services.assessments.commands import sign_assessment
from incident_hub.services.assessments.queries import (
    AssessmentFilter,
    assessment_view,
    get_version,
    get_visible_assessment,
    list_assessments,
    summary_view,
)
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import MeasureForm, SignForm, ThreatForm, opt
from incident_hub.web.support import apply_errors, int_arg, query_without

PER_PAGE = 25
YES_NO = {"yes": True, "no": False}


@bp.get("/assessments")
def assessments() -> ResponseReturnValue:
    f = AssessmentFilter(
        incident_id=parse_id(request.args.get("incident_id")),
        status=request.args.get("status") if request.args.get("status") in ("draft", "signed") else None,
        joint=YES_NO.get(request.args.get("joint", "")),
        review_due=YES_NO.get(request.args.get("review_due", "")),
        q=(request.args.get("q") or "").strip()[:200] or None,
    )
    page = int_arg("page", 1)
    rows, total = list_assessments(current_principal(), f, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:  # past the end: the last page
        page = pages
        rows, total = list_assessments(current_principal(), f, page, PER_PAGE)
    views = [summary_view(a, v) for a, v in rows]
    return render_template(
        "assessments/list.html", rows=views, total=total, page=page, pages=pages, args=query_without("page")
    )


def _cells(threats: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """How many visible threats sit in each (likelihood, impact) cell; restricted ones have no cell."""
    counts: dict[tuple[int, int], int] = {}
    for t in threats:
        if not t["restricted"]:
            key = (t["likelihood"], t["impact"])
            counts[key] = counts.get(key, 0) + 1
    return counts


def _forms(bound: bool) -> tuple[ThreatForm, MeasureForm, SignForm]:
    extra: dict[str, Any] = {} if bound else {"formdata": None}
    measure = MeasureForm(prefix="measure", **extra)
    measure.owner_unit.choices = [opt(c) for c in units().codes()]
    return ThreatForm(prefix="threat", **extra), measure, SignForm(prefix="sign", **extra)


def _page(assessment_id: int, forms: tuple[ThreatForm, MeasureForm, SignForm] | None = None, status: int = 200):
    principal = current_principal()
    a = get_visible_assessment(principal, assessment_id)
    number = parse_id(request.args.get("version")) if status == 200 else None
    v = get_version(a, number)
    view = assessment_view(a, v, principal)
    signed_units = {s["unit"] for s in view["signoffs"]}
    may_sign = not view["frozen"] and principal.unit in view["required_signoffs"] and principal.unit not in signed_units
    threat_form, measure_form, sign_form = forms or _forms(bound=False)
    return (
        render_template(
            "assessments/detail.html",
            a=view,
            matrix=risk_matrix().rows(),
            cells=_cells(view["threats"]),
            labels=translated(LABELS),
            likelihood_names=translated(LIKELIHOOD_NAMES),
            impact_names=translated(IMPACT_NAMES),
            may_sign=may_sign,
            threat_form=threat_form,
            measure_form=measure_form,
            sign_form=sign_form,
            failed_threat=measure_form.threat_id.data if forms else None,
        ),
        status,
    )


@bp.get("/assessments/<int:assessment_id>")
def assessment(assessment_id: int) -> ResponseReturnValue:
    return _page(assessment_id)


def _refused(assessment_id: int, forms: tuple[ThreatForm, MeasureForm, SignForm], form: Any, exc: AppError):
    if exc.status in (403, 404):
        raise exc
    apply_errors(form, exc)
    return _page(assessment_id, forms, 422)


@bp.post("/assessments/<int:assessment_id>/threats")
def assessment_add_threat(assessment_id: int) -> ResponseReturnValue:
    forms = _forms(bound=True)
    form = forms[0]
    if not form.validate_on_submit():
        get_visible_assessment(current_principal(), assessment_id)  # 404 first
        return _page(assessment_id, forms, 422)
    try:
        t = threats_svc.add_threat(current_principal(), assessment_id, form.data_in())
    except AppError as exc:
        return _refused(assessment_id, forms, form, exc)
    flash(_("Threat '%(title)s' added (risk %(risk_level)s).", title=t.title, risk_level=_(LABELS[t.risk_level])), "ok")
    return redirect(url_for("web.assessment", assessment_id=assessment_id) + "#threats")


@bp.post("/assessments/<int:assessment_id>/measures")
def assessment_add_measure(assessment_id: int) -> ResponseReturnValue:
    forms = _forms(bound=True)
    form = forms[1]
    if not form.validate_on_submit() or not (form.threat_id.data or "").isdigit():
        get_visible_assessment(current_principal(), assessment_id)
        return _page(assessment_id, forms, 422)
    try:
        threats_svc.add_measure(current_principal(), assessment_id, parse_id(form.threat_id.data) or 0, form.data_in())
    except AppError as exc:
        return _refused(assessment_id, forms, form, exc)
    flash(_("Measure added."), "ok")
    return redirect(url_for("web.assessment", assessment_id=assessment_id) + "#threats")


@bp.post("/assessments/<int:assessment_id>/sign")
def assessment_sign(assessment_id: int) -> ResponseReturnValue:
    forms = _forms(bound=True)
    form = forms[2]
    if not form.validate_on_submit():
        get_visible_assessment(current_principal(), assessment_id)
        return _page(assessment_id, forms, 422)
    try:
        sign_assessment(current_principal(), assessment_id, form.note.data or "")
    except AppError as exc:
        return _refused(assessment_id, forms, form, exc)
    flash(_("Signed for %(unit)s.", unit=current_principal().unit), "ok")
    return redirect(url_for("web.assessment", assessment_id=assessment_id))


@bp.app_template_global()
def incident_assessments(incident_id: int) -> list[dict[str, Any]]:
    """For the incident page's panel (web.INCIDENT_PANELS): the incident's visible assessments."""
    rows, _total = list_assessments(current_principal(), AssessmentFilter(incident_id=incident_id), 1, 50, "id")
    return [summary_view(a, v) for a, v in rows]
