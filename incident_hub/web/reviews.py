"""The post-incident review page `/incidents/{id}/review` (API.md "Pages"; DOMAIN.md "Learning"):
read and edit the review, sign it, turn findings into prevention actions; and the incident page's
review panel (web.INCIDENT_PANELS). Thin: services/reviews/ decides every change. Every POST
answers with a redirect; a refused form comes back as typed, at its error (web/drafts.py)."""

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
from incident_hub.web.drafts import draft_values, form_or_new, refuse, refused_key, restored
from incident_hub.web.forms import MOMENT_FORMAT, FindingActionForm, ReviewForm, SignForm, opt

MANDATE_LABELS = {"cyber": _l("cyber (OICT's mandate)"), "physical_security": _l("physical security")}


def _moments_text(moments: list[dict[str, Any]]) -> str:
    lines = []
    for m in moments:
        at = datetime.fromisoformat(m["at"].replace("Z", "+00:00")).astimezone(UTC)
        lines.append(f"{at.strftime(MOMENT_FORMAT)} | {m['what']}")
    return "\n".join(lines)


def _with_choices(form: FindingActionForm) -> FindingActionForm:
    form.owner_unit.choices = [opt(c) for c in units().codes()]
    form.mandate.choices = [opt(m, MANDATE_LABELS.get(m, m)) for m in MANDATES]
    return form


def _action_prefix(finding_id: int) -> str:
    """Each finding's action form has its own prefix, so its names and element ids are unique on the page."""
    return f"act-{finding_id}"


def _action_forms(review: dict[str, Any], refused: str, finding_key: str) -> dict[int, FindingActionForm]:
    """An action form for each finding not yet tracked (the refused one as typed, with its errors)."""
    forms = {}
    for f in review["findings"]:
        if f["action_id"] is None:
            prefix = _action_prefix(f["id"])
            form = restored(FindingActionForm, refused, prefix=prefix) if refused == f"{finding_key}{f['id']}" else None
            forms[f["id"]] = _with_choices(form or FindingActionForm(prefix=prefix, formdata=None))
    return forms


def _keys(incident_id: int) -> tuple[str, str, str]:
    """The draft keys of the review form, the sign-off form, and (with a finding id) a finding's action form."""
    return f"review:{incident_id}:edit", f"review:{incident_id}:sign", f"review:{incident_id}:finding:"


def _review_form(incident_id: int, review: dict[str, Any]) -> ReviewForm:
    form = restored(ReviewForm, _keys(incident_id)[0])
    if form is None:
        form = ReviewForm(formdata=None)
        form.summary.data, form.went_well.data = review["summary"], review["went_well"]
        form.went_badly.data, form.root_cause.data = review["went_badly"], review["root_cause"]
        form.key_moments.data = _moments_text(review["key_moments"])
    return form


@bp.get("/incidents/<int:incident_id>/review")
def incident_review(incident_id: int) -> ResponseReturnValue:
    principal = current_principal()
    review = get_review(principal, incident_id)
    edit_key, sign_key, finding_key = _keys(incident_id)
    refused = refused_key() or ""
    failed = int(refused.removeprefix(finding_key)) if refused.startswith(finding_key) else None
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
        form=_review_form(incident_id, review),
        typed=draft_values(edit_key),
        sign_form=form_or_new(SignForm, sign_key, prefix="sign"),
        action_forms=_action_forms(review, refused, finding_key) if review["may_edit"] else {},
        failed_finding=failed,
        may_sign=may_sign,
    )


def _back(incident_id: int) -> str:
    return url_for("web.incident_review", incident_id=incident_id)


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
    key = _keys(incident_id)[0]
    moments = form.moments() if form.validate_on_submit() else None
    if moments is None:
        return refuse(form, key, _back(incident_id), "review-edit")
    data = {
        name: (getattr(form, name).data or "").strip() for name in ("summary", "went_well", "went_badly", "root_cause")
    }
    data.update(key_moments=moments, findings=_findings(review, form))
    try:
        svc.save_review(current_principal(), incident_id, data)
    except AppError as exc:
        if exc.status == 409:
            raise
        return refuse(form, key, _back(incident_id), "review-edit", exc)
    flash(_("Review saved."), "ok")
    return redirect(_back(incident_id))


@bp.post("/incidents/<int:incident_id>/review/sign")
def incident_review_sign(incident_id: int) -> ResponseReturnValue:
    get_review(current_principal(), incident_id)
    form = SignForm(prefix="sign")
    key = _keys(incident_id)[1]
    if not form.validate_on_submit():
        return refuse(form, key, _back(incident_id), "review-signoffs")
    try:
        svc.sign_review(current_principal(), incident_id, form.note.data or "")
    except AppError as exc:
        return refuse(form, key, _back(incident_id), "review-signoffs", exc)
    flash(_("Review signed for %(unit)s.", unit=current_principal().unit), "ok")
    return redirect(_back(incident_id))


@bp.post("/incidents/<int:incident_id>/review/findings/<int:finding_id>/action")
def incident_review_finding_action(incident_id: int, finding_id: int) -> ResponseReturnValue:
    get_review(current_principal(), incident_id)
    form = _with_choices(FindingActionForm(prefix=_action_prefix(finding_id)))
    key = f"{_keys(incident_id)[2]}{finding_id}"
    if not form.validate_on_submit():
        return refuse(form, key, _back(incident_id), f"finding-{finding_id}")
    data = {
        "owner_unit": form.owner_unit.data,
        "mandate": form.mandate.data,
        "assignee": (form.assignee.data or "").strip() or None,
        "due_at": form.due_at.data.replace(tzinfo=UTC) if form.due_at.data else None,
    }
    try:
        action = svc.finding_action(current_principal(), incident_id, finding_id, data)
    except AppError as exc:
        return refuse(form, key, _back(incident_id), f"finding-{finding_id}", exc)
    flash(
        _(
            "Finding tracked as prevention action %(id)s for %(owner_unit)s.",
            id=action.id,
            owner_unit=action.owner_unit,
        ),
        "ok",
    )
    return redirect(_back(incident_id) + "#findings")


@bp.app_template_global()
def incident_review_summary(incident_id: int) -> dict[str, Any]:
    """For the incident page's panel (web.INCIDENT_PANELS)."""
    return get_review(current_principal(), incident_id)
