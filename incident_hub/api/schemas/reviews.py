"""Input schemas of the post-incident review (API.md "Review and documents"). Unknown fields are
refused (422); derived fields (`status`, `joint`, sign-offs) are refused, never silently ignored."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from incident_hub.api.schemas.derived import RefusesDerived
from incident_hub.domain.reviews import MAX_FINDINGS, MAX_KEY_MOMENTS
from incident_hub.domain.units import MANDATES
from incident_hub.ids import Moment

TEXT = validate.Length(max=20_000)


class KeyMomentIn(Schema):
    at = Moment(required=True, default_timezone=None)
    what = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class FindingIn(Schema):
    id = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        metadata={"description": "An existing finding's id; none for a new one."},
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    action_id = fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "As a GET answered it, unchanged (set only by POST …/findings/{fid}/action)."},
    )
    action_status = fields.String(
        allow_none=True, load_only=True, metadata={"description": "As a GET answered it; ignored."}
    )


class ReviewIn(RefusesDerived):
    DERIVED = {
        "status": "is derived from the sign-offs; sign with POST …/review/signoffs",
        "joint": "is derived from the incident's routing rule (R2 or R3)",
        "signoffs": "are given with POST …/review/signoffs",
    }
    summary = fields.String(validate=TEXT)
    key_moments = fields.List(fields.Nested(KeyMomentIn), validate=validate.Length(max=MAX_KEY_MOMENTS))
    went_well = fields.String(validate=TEXT)
    went_badly = fields.String(validate=TEXT)
    root_cause = fields.String(validate=TEXT)
    findings = fields.List(fields.Nested(FindingIn), validate=validate.Length(max=MAX_FINDINGS))


class FindingActionIn(Schema):
    owner_unit = fields.String(required=True, validate=validate.Length(min=1, max=32))
    assignee = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=80))
    due_at = Moment(default_timezone=None, allow_none=True, load_default=None)
    title = fields.String(validate=validate.Length(min=1, max=200))
    mandate = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(MANDATES))


class ReviewSignoffIn(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))
