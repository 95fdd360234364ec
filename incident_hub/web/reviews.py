"""The post-incident review page `/incidents/{id}/review` (API.md "Pages"; DOMAIN.md "Learning"):
read and edit the review, sign it, turn findings into prevention actions; and the incident page's
review panel (web.INCIDENT_PANELS). Thin: services/reviews/ decides every change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from incident_hub.auth import current_principal
from incident_hub.domain.units import MANDATES
from incident_hub.errors import AppError
from incident_hub.runtime import units
from incident_hub.services.reviews import commands as svc
from incident_hub.services.reviews.queries import get_review
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import MOMENT_FORMAT, FindingActionForm, ReviewForm, SignForm, opt
from incident_hub.web.support import apply_errors

MANDATE_LABELS = {"cyber": _l("cyber (OICT's mandate)"), "physical_security": _l("physical security")}


def _moments_text(moments: list[dict[str, Any]]) -> str:
    lines = []
    for m in moments:
        at = datetime.fromisoformat(m["at"].replace("Z", "+00:00")).astimezone(UTC)
        lines.append(f"{at.strftime(MOMENT_FORMAT)} | {m['what']}")
    return "\n".join(lines)


def _action_form(bound: bool = False) -> FindingActionForm:
    form = FindingActionForm(prefix="act", **({} if bound else {"formdata": None}))
    form.owner_unit.choices = [opt(c) for c in units().codes()]
    form.mandate.choices = [opt(m, MANDATE_LABELS.get(m, m)) for m in MANDATES]
    return form


def _page(
    incident_id: int,
    form: ReviewForm | None = None,
    sign: SignForm | None = None,
    status: int = 200,
    action_form: FindingActionForm | None = None,
    failed_finding: int | None = None,
) -> ResponseReturnValue:
    review = get_review(current_principal(), incident_id)
    if form is None:
        form = ReviewForm(formdata=None)
        form.summary.data, form.went_well.data = review["summary"], review["went_well"]
        form.went_badly.data, form.root_cause.data = review["went_badly"], review["root_cause"]
        form.key_moments.data = _moments_text(review["key_moments"])
    principal = current_principal()
    signed = {s["unit"] for s in review["signoffs"]}
    may_sign = (
        review["status"] != "not_started"
        and principal.role == "manager"
        and principal.unit in review["required_signoffs"]
        and principal.unit not in signed
    )
    return render_template(
        "incidents/review.html",
        review=review,
        form=form,
        sign_form=sign or SignForm(prefix="sign", formdata=None),
        action_form=action_form or _action_form(),
        failed_finding=failed_finding,
        may_sign=may_sign,
    ), status


@bp.get("/incidents/<int:incident_id>/review")
def incident_review(incident_id: int) -> ResponseReturnValue:
    return _page(incident_id)


def _findings(review: dict[str, Any], form: ReviewForm) -> list[dict[str, Any]]:
    """Kept findings (an emptied one is removed) then the new lines."""
    kept = []
    for f in review["findings"]:
        text = (request.form.get(f"finding-{f['id']}") or "").strip()
        if text:
            kept.append({"id": f["id"], "text": text, "action_id": f["action_id"]})
    new = [{"text": line.strip()} for line in (form.new_findings.data or "").splitlines() if line.strip()]
    return kept + new


@bp.post("/incidents/<int:incident_id>/review")
def incident_review_save(incident_id: int) -> ResponseReturnValue:
    form = ReviewForm()
    review = get_review(current_principal(), incident_id)  # 404 first
    moments = form.moments() if form.validate_on_submit() else None
    if moments is None:
        return _page(incident_id, form, status=422)
    data = {
        name: (getattr(form, name).data or "").strip() for name in ("summary", "went_well", "went_badly", "root_cause")
    }
    data.update(key_moments=moments, findings=_findings(review, form))
    try:
        svc.save_review(current_principal(), incident_id, data)
    except AppError as exc:
        if exc.status in (403, 404, 409):
            raise
        apply_errors(form, exc)
        return _page(incident_id, form, status=422)
    flash(_("Review saved."), "ok")
    return redirect(url_for("web.incident_review", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/review/sign")
def incident_review_sign(incident_id: int) -> ResponseReturnValue:
    form = SignForm(prefix="sign")
    if not form.validate_on_submit():
        return _page(incident_id, sign=form, status=422)
    try:
        svc.sign_review(current_principal(), incident_id, form.note.data or "")
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        apply_errors(form, exc)
        return _page(incident_id, sign=form, status=422)
    flash(_("Review signed for %(unit)s.", unit=current_principal().unit), "ok")
    return redirect(url_for("web.incident_review", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/review/findings/<int:finding_id>/action")
def incident_review_finding_action(incident_id: int, finding_id: int) -> ResponseReturnValue:
    form = _action_form(bound=True)
    if not form.validate_on_submit():
        return _page(incident_id, action_form=form, failed_finding=finding_id, status=422)
    data = {
        "owner_unit": form.owner_unit.data,
        "mandate": form.mandate.data,
        "assignee": (form.assignee.data or "").strip() or None,
        "due_at": form.due_at.data.replace(tzinfo=UTC) if form.due_at.data else None,
    }
    try:
        action = svc.finding_action(current_principal(), incident_id, finding_id, data)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        apply_errors(form, exc)
        return _page(incident_id, action_form=form, failed_finding=finding_id, status=422)
    flash(
        _(
            "Finding tracked as prevention action %(id)s for %(owner_unit)s.",
            id=action.id,
            owner_unit=action.owner_unit,
        ),
        "ok",
    )
    return redirect(url_for("web.incident_review", incident_id=incident_id) + "#findings")


@bp.app_template_global()
def incident_review_summary(incident_id: int) -> dict[str, Any]:
    """For the incident page's panel (web.INCIDENT_PANELS)."""
    return get_review(current_principal(), incident_id)
