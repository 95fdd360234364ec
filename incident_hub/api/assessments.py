"""/api/v1/assessments: joint security risk assessments (API.md "Risk assessments").

Risk levels are the snake_case codes of domain/risk.py (`very_low` … `very_high`, and
`unacceptable` when an operator overrides a cell). Every role may read and write what it may
see; M1, sign-off and frozen-version rules are in domain/assessments.py.
"""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint

from incident_hub.api import assessment_schemas as s
from incident_hub.api.openapi import answers, binary
from incident_hub.api.pagination import page_body
from incident_hub.api.schemas import answers_work as out
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ROLES
from incident_hub.errors import NotFound
from incident_hub.pdf import PDF, pdf_response, wants_pdf
from incident_hub.services.assessments import commands as service
from incident_hub.services.assessments import threats as threats
from incident_hub.services.assessments.queries import (
    AssessmentFilter,
    assessment_view,
    get_measure,
    get_version,
    get_visible_assessment,
    list_assessments,
    measure_view,
    summary_view,
    threat_view,
)

blp = Blueprint(
    "assessments",
    __name__,
    description="Joint security risk assessments (SRM). Risk levels are codes: very_low, low, medium, high, "
    "very_high (and unacceptable where an operator overrides a cell); display names are Very Low … Very High. "
    "risk_level and residual_risk_level are derived from the SRM matrix and refused as input (422).",
)
blp.url_prefix_suffix = "/assessments"
PREFIX = "/api/v1/assessments"


def _body(assessment_id: int, number: int | None = None) -> dict[str, Any]:
    p = current_principal()
    a = get_visible_assessment(p, assessment_id)
    return assessment_view(a, get_version(a, number), p)


@blp.route("")
class Assessments(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(s.AssessmentArgs, location="query")
    @answers(blp, out.AssessmentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the assessments the caller may see (current versions), with filters."""
        page, per_page, sort = args.pop("page"), args.pop("per_page"), args.pop("sort")
        rows, total = list_assessments(current_principal(), AssessmentFilter(**args), page, per_page, sort)
        return page_body([summary_view(a, v) for a, v in rows], total, page, per_page)

    @require_roles(*ROLES)
    @blp.arguments(s.AssessmentIn)
    @answers(blp, out.AssessmentOut, 201, created=True)
    def post(self, data: dict[str, Any]) -> ResponseReturnValue:
        """Open an assessment for an incident (joint when its rule is R2 or R3) or for a subject."""
        a = service.create_assessment(current_principal(), data)
        return _body(a.id), 201, {"Location": f"{PREFIX}/{a.id}"}


@blp.route("/<int:assessment_id>")
class AssessmentItem(MethodView):
    @require_roles(*ROLES)
    @blp.doc(**binary(200, "The assessment (this version), or its report as PDF.", PDF, json=out.AssessmentOut))
    def get(self, assessment_id: int) -> Any:
        """The current version with threats, measures and sign-offs (need to know applies); as PDF
        with `Accept: application/pdf` or `?format=pdf`."""
        if wants_pdf():
            return pdf_response("assessment", assessment_id)
        return _body(assessment_id)

    @require_roles(*ROLES)
    @blp.arguments(s.AssessmentPatch)
    @answers(blp, out.AssessmentOut)
    def patch(self, changes: dict[str, Any], assessment_id: int) -> dict[str, Any]:
        """Change title, subject or review date of the current version."""
        service.update_assessment(current_principal(), assessment_id, changes)
        return _body(assessment_id)


@blp.route("/<int:assessment_id>/threats")
class Threats(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(s.ThreatIn)
    @answers(blp, out.ThreatOut, 201, created=True)
    def post(self, data: dict[str, Any], assessment_id: int) -> ResponseReturnValue:
        """Add a threat; `risk_level` comes from the SRM matrix. M1: only a unit holding `cyber`
        (or a unit-less manager/admin) adds a cyber threat."""
        t = threats.add_threat(current_principal(), assessment_id, data)
        return threat_view(t, current_principal()), 201, {"Location": f"{PREFIX}/{assessment_id}/threats/{t.id}"}


@blp.route("/<int:assessment_id>/threats/<int:threat_id>")
class ThreatItem(MethodView):
    @require_roles(*ROLES)
    @answers(blp, out.ThreatOut)
    def get(self, assessment_id: int, threat_id: int) -> dict[str, Any]:
        """One threat (of any version) as the caller may see it."""
        p = current_principal()
        return threat_view(threats.get_visible_threat(p, assessment_id, threat_id), p)

    @require_roles(*ROLES)
    @blp.arguments(s.ThreatPatch)
    @answers(blp, out.ThreatOut)
    def patch(self, changes: dict[str, Any], assessment_id: int, threat_id: int) -> dict[str, Any]:
        """Change a threat of the current version (voids the sign-offs; 409 on a frozen version)."""
        t = threats.update_threat(current_principal(), assessment_id, threat_id, changes)
        return threat_view(t, current_principal())

    @require_roles(*ROLES)
    @answers(blp, None, 204, "Deleted")
    def delete(self, assessment_id: int, threat_id: int) -> ResponseReturnValue:
        """Remove a threat and its measures (voids the sign-offs)."""
        threats.delete_threat(current_principal(), assessment_id, threat_id)
        return "", 204


@blp.route("/<int:assessment_id>/threats/<int:threat_id>/measures")
class Measures(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(s.MeasureIn)
    @answers(blp, out.MeasureOut, 201, created=True)
    def post(self, data: dict[str, Any], assessment_id: int, threat_id: int) -> ResponseReturnValue:
        """Add a prevention or mitigation measure; `track_as_action` creates its action (M1)."""
        m = threats.add_measure(current_principal(), assessment_id, threat_id, data)
        where = f"{PREFIX}/{assessment_id}/threats/{threat_id}/measures/{m.id}"
        return measure_view(m), 201, {"Location": where}


@blp.route("/<int:assessment_id>/threats/<int:threat_id>/measures/<int:measure_id>")
class MeasureItem(MethodView):
    @require_roles(*ROLES)
    @answers(blp, out.MeasureOut)
    def get(self, assessment_id: int, threat_id: int, measure_id: int) -> dict[str, Any]:
        """One measure; the measures of a cyber threat are not shown to units without `cyber`."""
        p = current_principal()
        t = threats.get_visible_threat(p, assessment_id, threat_id)
        if threat_view(t, p).get("restricted"):
            raise NotFound(f"Threat {t.id} has no measure {measure_id}.")
        return measure_view(get_measure(t, measure_id))

    @require_roles(*ROLES)
    @blp.arguments(s.MeasurePatch)
    @answers(blp, out.MeasureOut)
    def patch(self, changes: dict[str, Any], assessment_id: int, threat_id: int, measure_id: int) -> dict[str, Any]:
        """Change a measure (voids the sign-offs; M1 on a new owner unit)."""
        m = threats.update_measure(current_principal(), assessment_id, threat_id, measure_id, changes)
        return measure_view(m)

    @require_roles(*ROLES)
    @answers(blp, None, 204, "Deleted")
    def delete(self, assessment_id: int, threat_id: int, measure_id: int) -> ResponseReturnValue:
        """Remove a measure (an action it created stays)."""
        threats.delete_measure(current_principal(), assessment_id, threat_id, measure_id)
        return "", 204


@blp.route("/<int:assessment_id>/report.pdf")
class AssessmentPdf(MethodView):
    @require_roles(*ROLES)
    @blp.doc(**binary(200, "The assessment report as PDF.", PDF))
    def get(self, assessment_id: int) -> Any:
        """The assessment as PDF: matrix, threats, measures, residual risk, sign-offs with names and
        times, version; stamped with who generated it, when, and the audit chain head hash."""
        return pdf_response("assessment", assessment_id)


@blp.route("/<int:assessment_id>/signoffs")
class Signoffs(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(s.SignoffIn)
    @answers(blp, out.AssessmentOut, 201, created=True)
    def post(self, data: dict[str, Any], assessment_id: int) -> ResponseReturnValue:
        """Sign the current version for the caller's unit; joint ones need both units."""
        service.sign_assessment(current_principal(), assessment_id, data["note"])
        return _body(assessment_id), 201, {"Location": f"{PREFIX}/{assessment_id}"}


@blp.route("/<int:assessment_id>/versions")
class Versions(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(s.VersionIn)
    @answers(blp, out.AssessmentOut, 201, created=True)
    def post(self, data: dict[str, Any], assessment_id: int) -> ResponseReturnValue:
        """Freeze the current version and open a new draft copying its threats and measures."""
        a = service.new_version(current_principal(), assessment_id, data)
        where = f"{PREFIX}/{assessment_id}/versions/{a.current_version}"
        return _body(assessment_id), 201, {"Location": where}


@blp.route("/<int:assessment_id>/versions/<int:number>")
class VersionItem(MethodView):
    @require_roles(*ROLES)
    @answers(blp, out.AssessmentOut)
    def get(self, assessment_id: int, number: int) -> dict[str, Any]:
        """Any version, as it was (earlier versions are frozen)."""
        return _body(assessment_id, number)
