"""Input schemas of /api/v1/assessments (API.md "Risk assessments"). Unknown fields are refused
(422); derived fields (`risk_level`, `residual_risk_level`, `status`, `joint`) are refused with a
message saying they are derived, never silently ignored."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from incident_hub.api.pagination import PageArgs, sort_field
from incident_hub.api.schemas.derived import RefusesDerived, derived
from incident_hub.domain.assessments import DOMAINS, MEASURE_KINDS, STATUSES
from incident_hub.ids import Id, Moment
from incident_hub.services.assessments.queries import SORTABLE

SCALE = validate.Range(min=1, max=5, error="must be between 1 and 5")


ASSESSMENT_DERIVED = {
    "joint": derived("from the incident's routing rule, R2 or R3"),
    "status": derived("from the sign-offs"),
}


def _when() -> Moment:
    return Moment(default_timezone=None, allow_none=True)


class AssessmentIn(RefusesDerived):
    DERIVED = ASSESSMENT_DERIVED
    incident_id = Id(strict=True, allow_none=True, load_default=None)
    subject = fields.String(load_default="", validate=validate.Length(max=200))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    review_due_at = Moment(default_timezone=None, allow_none=True, load_default=None)

    @validates_schema
    def _subject_or_incident(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("incident_id") is None and not (data.get("subject") or "").strip():
            raise ValidationError("required when there is no incident_id", "subject")


class AssessmentPatch(RefusesDerived):
    DERIVED = ASSESSMENT_DERIVED
    subject = fields.String(validate=validate.Length(max=200))
    title = fields.String(validate=validate.Length(min=1, max=200))
    review_due_at = _when()


class ThreatIn(RefusesDerived):
    DERIVED = {"risk_level": derived("from likelihood and impact by the SRM matrix")}
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    domain = fields.String(required=True, validate=validate.OneOf(DOMAINS))
    likelihood = fields.Integer(required=True, strict=True, validate=SCALE)
    impact = fields.Integer(required=True, strict=True, validate=SCALE)


class ThreatPatch(ThreatIn):
    """Any subset of the fields of ThreatIn."""

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class MeasureIn(RefusesDerived):
    DERIVED = {
        "residual_risk_level": derived("from residual likelihood and impact by the SRM matrix"),
        "action_id": derived("set when the measure is tracked as an action"),
    }
    kind = fields.String(required=True, validate=validate.OneOf(MEASURE_KINDS))
    description = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    owner_unit = fields.String(required=True, validate=validate.Length(min=1, max=32))
    residual_likelihood = fields.Integer(strict=True, allow_none=True, validate=SCALE)
    residual_impact = fields.Integer(strict=True, allow_none=True, validate=SCALE)
    due_at = _when()
    track_as_action = fields.Boolean(load_default=False)


class MeasurePatch(MeasureIn):
    """Any subset of the fields of MeasureIn; `track_as_action: true` tracks an untracked measure."""

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class SignoffIn(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class VersionIn(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    review_due_at = _when()
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class AssessmentArgs(PageArgs):
    incident_id = Id()
    status = fields.String(validate=validate.OneOf(STATUSES))
    joint = fields.Boolean()
    review_due = fields.Boolean()
    q = fields.String(validate=validate.Length(max=200))
    sort = sort_field(SORTABLE, "-created_at")
