"""/api/v1/incidents/{id}/review: the post-incident review, its sign-offs and findings turned into
prevention actions (API.md "Review and documents"). Thin: services/reviews/ holds every rule."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint

from incident_hub.api.openapi import answers, binary
from incident_hub.api.schemas import answers_work as out
from incident_hub.api.schemas.reviews import FindingActionIn, ReviewIn, ReviewSignoffIn
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN, DSS_OFFICER, MANAGER, OICT_RESPONDER
from incident_hub.pdf import PDF, pdf_response, wants_pdf
from incident_hub.services.actions.queries import action_view
from incident_hub.services.reviews import commands as service
from incident_hub.services.reviews.queries import get_review

blp = Blueprint("reviews", __name__, description="Post-incident reviews (NIST SP 800-61 Rev. 3; para 16)")
blp.url_prefix_suffix = "/incidents"

ROLES = (OICT_RESPONDER, DSS_OFFICER, MANAGER, ADMIN)


def _location(incident_id: int) -> str:
    return url_for("reviews.Review", incident_id=incident_id)


@blp.route("/<int:incident_id>/review")
class Review(MethodView):
    @require_roles(*ROLES)
    @blp.doc(**binary(200, "The review, or its PDF.", PDF, json=out.ReviewOut))
    def get(self, incident_id: int) -> Any:
        """The review (`status: not_started` with key moments pre-filled from the incident when none
        exists); as PDF with `Accept: application/pdf` or `?format=pdf`."""
        if wants_pdf():
            return pdf_response("review", incident_id)
        return get_review(current_principal(), incident_id)

    @require_roles(*ROLES)
    @blp.arguments(ReviewIn)
    @answers(blp, out.ReviewOut, 201, "Created (the first save)", created=True)
    @answers(blp, out.ReviewOut, 200, "Changed")
    def put(self, data: dict[str, Any], incident_id: int) -> ResponseReturnValue:
        """Create or change the review (lead and partner units, managers). A change voids sign-offs."""
        principal = current_principal()
        _, created = service.save_review(principal, incident_id, data)
        body = get_review(principal, incident_id)
        return (body, 201, {"Location": _location(incident_id)}) if created else body


@blp.route("/<int:incident_id>/review/signoffs")
class ReviewSignoffs(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(ReviewSignoffIn)
    @answers(blp, out.ReviewOut, 201, created=True)
    def post(self, data: dict[str, Any], incident_id: int) -> ResponseReturnValue:
        """A lead unit's manager signs the review; a joint one (R2/R3) needs both units."""
        principal = current_principal()
        service.sign_review(principal, incident_id, data["note"])
        return get_review(principal, incident_id), 201, {"Location": _location(incident_id)}


@blp.route("/<int:incident_id>/review/findings/<int:finding_id>/action")
class FindingAction(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(FindingActionIn)
    @answers(blp, out.ActionOut, 201, created=True)
    def post(self, data: dict[str, Any], incident_id: int, finding_id: int) -> ResponseReturnValue:
        """Track a finding as a prevention action (M1 applies), once per finding."""
        action = service.finding_action(current_principal(), incident_id, finding_id, data)
        return action_view(action), 201, {"Location": url_for("actions.ActionItem", action_id=action.id)}


@blp.route("/<int:incident_id>/review.pdf")
class ReviewPdf(MethodView):
    @require_roles(*ROLES)
    @blp.doc(**binary(200, "The review as PDF.", PDF))
    def get(self, incident_id: int) -> Any:
        """The post-incident review as PDF: who generated it, when, and the audit chain head hash."""
        return pdf_response("review", incident_id)


@blp.route("/<int:incident_id>/report.pdf")
class IncidentReportPdf(MethodView):
    @require_roles(*ROLES)
    @blp.doc(**binary(200, "The incident report as PDF.", PDF))
    def get(self, incident_id: int) -> Any:
        """The incident report as PDF (facts, classification, routing, timeline, actions, assessments,
        review), under the caller's need to know; stamped with the audit chain head hash."""
        return pdf_response("incident", incident_id)
