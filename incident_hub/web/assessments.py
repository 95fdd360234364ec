"""Assessment pages: `/assessments` (list), `/assessments/new`, `/assessments/{id}` (API.md "Pages";
DOMAIN.md "Joint security risk assessment"): the 5×5 matrix, threats, measures with residual risk,
sign-off state and button, versions (older ones read-only, a new one from the page), add-threat
and add-measure forms. Editing and deleting threats and measures: web/assessment_items.py.

Thin: the page shows exactly `assessment_view()` for the principal, so a DSS officer sees of a
cyber threat only its title, domain and risk level (para 6); services decide every change (M1
included). Every POST answers with a redirect; a refused form comes back at its error
(web/drafts.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from incident_hub.auth import current_principal
from incident_hub.domain.assessments import CYBER_DOMAIN, DOMAINS, is_joint, threat_domains_for
from incident_hub.domain.risk import IMPACT_NAMES, LABELS, LIKELIHOOD_NAMES
from incident_hub.domain.units import CYBER
from incident_hub.errors import AppError, NotFound
from incident_hub.i18n import translate, translated
from incident_hub.ids import parse_id
from incident_hub.runtime import risk_matrix, units
from incident_hub.services.assessments import threats as threats_svc
from incident_hub.services.assessments.commands import create_assessment, new_version, sign_assessment
from incident_hub.services.assessments.queries import (
    AssessmentFilter,
    assessment_view,
    current_signoffs,
    get_version,
    get_visible_assessment,
    list_assessments,
    summary_view,
)
from incident_hub.services.incidents.queries import get_visible_incident
from incident_hub.web.assessment_forms import MeasureForm, NewAssessmentForm, ThreatForm, VersionForm
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import form_or_new, refuse, refused_key
from incident_hub.web.forms import SignForm, opt
from incident_hub.web.support import int_arg, query_without

PER_PAGE = 25
YES_NO = {"yes": True, "no": False}
NEW_KEY = "assessment:new"


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


def _incident_context(incident_id: int | None) -> dict[str, Any] | None:
    """What the new-assessment page says about the incident it is for (404 when not visible)."""
    if incident_id is None:
        return None
    inc = get_visible_incident(current_principal(), incident_id)
    return {"id": inc.id, "title": inc.title, "rule": inc.rule, "lead_unit": inc.lead_unit, "joint": is_joint(inc.rule)}


@bp.get("/assessments/new")
def assessment_new() -> ResponseReturnValue:
    form = form_or_new(NewAssessmentForm, NEW_KEY)
    asked = parse_id(request.args.get("incident_id"))
    if asked is not None and not form.is_submitted() and form.incident_id.data is None:
        form.incident_id.data = asked
    incident = _incident_context(asked if asked is not None else None)
    return render_template("assessments/new.html", form=form, incident=incident)


@bp.post("/assessments/new")
def assessment_create() -> ResponseReturnValue:
    form = NewAssessmentForm()
    back = url_for("web.assessment_new", incident_id=parse_id(request.args.get("incident_id")))
    if not form.validate_on_submit():
        return refuse(form, NEW_KEY, back, "new-assessment")
    try:
        a = create_assessment(current_principal(), form.data_in())
    except NotFound:  # an incident number the person may not see reads as one that does not exist
        form.incident_id.errors = [_("No incident with this number that you may see.")]
        return refuse(form, NEW_KEY, back, "new-assessment")
    except AppError as exc:
        return refuse(form, NEW_KEY, back, "new-assessment", exc)
    flash(_("Assessment %(id)s opened: add its threats.", id=a.id), "ok")
    return redirect(url_for("web.assessment", assessment_id=a.id) + "#add-threat")


def _cells(threats: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """How many visible threats sit in each (likelihood, impact) cell; restricted ones have no cell."""
    counts: dict[tuple[int, int], int] = {}
    for t in threats:
        if not t["restricted"]:
            key = (t["likelihood"], t["impact"])
            counts[key] = counts.get(key, 0) + 1
    return counts


def key_of(assessment_id: int, form: str) -> str:
    return f"assessment:{assessment_id}:{form}"


def cyber_units() -> str:
    """The units that hold `cyber`, for the line saying why a choice is not offered (M1)."""
    return ", ".join(c for c in units().codes() if (u := units().get(c)) is not None and u.holds(CYBER))


def _forms(assessment_id: int) -> dict[str, Any]:
    """The page's forms, empty, except the one a refusal redirected here with (as typed, with its errors)."""
    domains = threat_domains_for(current_principal(), units())
    threat = form_or_new(ThreatForm, key_of(assessment_id, "threat"), prefix="threat")
    threat.offer_domains(domains)
    measure = form_or_new(MeasureForm, key_of(assessment_id, "measure"), prefix="measure")
    measure.owner_unit.choices = [opt(c) for c in units().codes()]
    return {
        "threat_form": threat,
        "measure_form": measure,
        "sign_form": form_or_new(SignForm, key_of(assessment_id, "sign"), prefix="sign"),
        "version_form": form_or_new(VersionForm, key_of(assessment_id, "version"), prefix="version"),
        "cyber_withheld": CYBER_DOMAIN not in domains,
        "cyber_units": cyber_units(),
        "refused": refused_key(),
    }


@bp.get("/assessments/<int:assessment_id>")
def assessment(assessment_id: int) -> ResponseReturnValue:
    principal = current_principal()
    a = get_visible_assessment(principal, assessment_id)
    v = get_version(a, parse_id(request.args.get("version")))
    view = assessment_view(a, v, principal)
    signed_units = {s["unit"] for s in view["signoffs"]}
    may_sign = not view["frozen"] and principal.unit in view["required_signoffs"] and principal.unit not in signed_units
    forms = _forms(assessment_id)
    return render_template(
        "assessments/detail.html",
        a=view,
        matrix=risk_matrix().rows(),
        cells=_cells(view["threats"]),
        labels=translated(LABELS),
        likelihood_names=translated(LIKELIHOOD_NAMES),
        impact_names=translated(IMPACT_NAMES),
        may_sign=may_sign,
        editable_domains=threat_domains_for(principal, units()) if not view["frozen"] else (),
        failed_threat=forms["measure_form"].threat_id.data,
        **forms,
    )


def page_of(assessment_id: int) -> str:
    return url_for("web.assessment", assessment_id=assessment_id)


def saved(assessment_id: int, message: str, signed_before: Iterable[str], anchor: str = "threats") -> Response:
    """Say what was saved and, when the change voided sign-offs, that the units must sign again."""
    flash(message, "ok")
    voided = sorted(set(signed_before) - current_signoffs(current_principal(), assessment_id))
    if voided:
        flash(
            _(
                "This change voided the sign-offs by %(units)s: the assessment must be signed again.",
                units=", ".join(voided),
            ),
            "warning",
        )
    return redirect(f"{page_of(assessment_id)}#{anchor}")


@bp.post("/assessments/<int:assessment_id>/threats")
def assessment_add_threat(assessment_id: int) -> ResponseReturnValue:
    principal = current_principal()
    signed = current_signoffs(principal, assessment_id)  # 404 first
    form = ThreatForm(prefix="threat")
    form.offer_domains(DOMAINS)  # the service applies M1, with its own words
    key = key_of(assessment_id, "threat")
    if not form.validate_on_submit():
        return refuse(form, key, page_of(assessment_id), "add-threat")
    try:
        t = threats_svc.add_threat(principal, assessment_id, form.data_in())
    except AppError as exc:
        return refuse(form, key, page_of(assessment_id), "add-threat", exc)
    message = _(
        "Threat '%(title)s' added (risk %(risk_level)s).", title=t.title, risk_level=translate(LABELS[t.risk_level])
    )
    return saved(assessment_id, message, signed)


@bp.post("/assessments/<int:assessment_id>/measures")
def assessment_add_measure(assessment_id: int) -> ResponseReturnValue:
    principal = current_principal()
    signed = current_signoffs(principal, assessment_id)
    form = MeasureForm(prefix="measure")
    form.owner_unit.choices = [opt(c) for c in units().codes()]
    key = key_of(assessment_id, "measure")
    if not form.validate_on_submit() or not (form.threat_id.data or "").isdigit():
        return refuse(form, key, page_of(assessment_id), "add-measure")
    try:
        m = threats_svc.add_measure(principal, assessment_id, parse_id(form.threat_id.data) or 0, form.data_in())
    except AppError as exc:
        return refuse(form, key, page_of(assessment_id), "add-measure", exc)
    message = _("Measure added and tracked as action %(id)s.", id=m.action_id) if m.action_id else _("Measure added.")
    return saved(assessment_id, message, signed)


@bp.post("/assessments/<int:assessment_id>/sign")
def assessment_sign(assessment_id: int) -> ResponseReturnValue:
    form = SignForm(prefix="sign")
    key = key_of(assessment_id, "sign")
    get_visible_assessment(current_principal(), assessment_id)
    if not form.validate_on_submit():
        return refuse(form, key, page_of(assessment_id), "signoffs")
    try:
        sign_assessment(current_principal(), assessment_id, form.note.data or "")
    except AppError as exc:
        return refuse(form, key, page_of(assessment_id), "signoffs", exc)
    flash(_("Signed for %(unit)s.", unit=current_principal().unit), "ok")
    return redirect(f"{page_of(assessment_id)}#signoffs")


@bp.post("/assessments/<int:assessment_id>/versions")
def assessment_new_version(assessment_id: int) -> ResponseReturnValue:
    form = VersionForm(prefix="version")
    key = key_of(assessment_id, "version")
    get_visible_assessment(current_principal(), assessment_id)
    if not form.validate_on_submit():
        return refuse(form, key, page_of(assessment_id), "new-version")
    try:
        a = new_version(current_principal(), assessment_id, form.data_in())
    except AppError as exc:
        return refuse(form, key, page_of(assessment_id), "new-version", exc)
    flash(
        _(
            "Version %(number)s opened as a draft; version %(old)s is frozen and stays readable.",
            number=a.current_version,
            old=a.current_version - 1,
        ),
        "ok",
    )
    return redirect(f"{page_of(assessment_id)}#versions")


@bp.app_template_global()
def incident_assessments(incident_id: int) -> list[dict[str, Any]]:
    """For the incident page's panel (web.INCIDENT_PANELS): the incident's visible assessments."""
    rows, _total = list_assessments(current_principal(), AssessmentFilter(incident_id=incident_id), 1, 50, "id")
    return [summary_view(a, v) for a, v in rows]
