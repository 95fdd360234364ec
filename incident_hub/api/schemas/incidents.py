"""Request schemas of /api/v1/incidents (API.md "Incidents").

A request carries facts only: the classification, the routing, the status and the
timestamps are derived, so naming one of them is refused field by field (422), never
silently ignored. Unknown fields are refused too (marshmallow's RAISE).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from incident_hub.api.pagination import LongPageArgs, sort_field
from incident_hub.api.schemas.derived import RefusesDerived
from incident_hub.domain.facts import EFFECTS, SEVERITIES, TLP_LABELS, VECTORS
from incident_hub.domain.lifecycle import INCIDENT_STATUSES
from incident_hub.ids import Moment
from incident_hub.services.incidents.queries import SORTABLE
from incident_hub.services.incidents.search import RELEVANCE

RULES = ("R1", "R2", "R3", "R4", "R5")
DERIVED_MESSAGE = "is derived from the facts (or set by the service) and cannot be sent"
DERIVED = (
    "id",
    "classification",
    "routing",
    "status",
    "hybrid",
    "rule",
    "partner_units",
    "informed_units",
    "joint_assessment_due_at",
    "created_at",
    "updated_at",
    "acknowledged_at",
    "contained_at",
    "resolved_at",
    "closed_at",
)


class StrictBoolean(fields.Boolean):
    """true/false (or null where allowed) only: "yes", 1 or "true" are wrong types."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise ValidationError("must be true, false or null")
        return value


def _title(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be empty")


class DetectionSchema(Schema):
    """Para 6: how an incident was detected; shown only to OICT and managers."""

    sensor = fields.String(load_default="", validate=validate.Length(max=200))
    rule = fields.String(load_default="", validate=validate.Length(max=200))
    indicators = fields.List(fields.String(validate=validate.Length(min=1, max=500)), load_default=list)


def _facts_fields(required: bool) -> dict[str, fields.Field]:
    """The facts of an incident; on create the optional ones get their defaults."""

    def default(value: Any) -> dict[str, Any]:
        return {"load_default": value} if required else {}

    return {
        "title": fields.String(required=required, validate=[validate.Length(min=1, max=200), _title]),
        "description": fields.String(validate=validate.Length(max=20_000), **default("")),
        "vectors": fields.List(
            fields.String(validate=validate.OneOf(VECTORS)), required=required, validate=validate.Length(min=1)
        ),
        "effects": fields.List(fields.String(validate=validate.OneOf(EFFECTS)), **default(list)),
        "deliberate": StrictBoolean(allow_none=True, **default(None)),
        "severity": fields.String(validate=validate.OneOf(SEVERITIES), **default("medium")),
        "location": fields.String(validate=validate.Length(max=200), **default("")),
        "tlp": fields.String(validate=validate.OneOf(TLP_LABELS), **default("TLP:AMBER")),
        "occurred_at": Moment(allow_none=True, **default(None)),
        "detection": fields.Nested(DetectionSchema, allow_none=True, **default(None)),
    }


class _CreateBase(RefusesDerived):
    DERIVED = {name: DERIVED_MESSAGE for name in (*DERIVED, "lead_unit")}


IncidentCreateSchema = _CreateBase.from_dict(_facts_fields(True), name="IncidentCreate")


class _PatchBase(RefusesDerived):
    DERIVED = {name: DERIVED_MESSAGE for name in DERIVED}
    lead_unit = fields.String(validate=validate.Length(min=1, max=32))
    owner = fields.String(allow_none=True, validate=validate.Length(min=1, max=80))

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("send at least one field to change")


IncidentPatchSchema = _PatchBase.from_dict(_facts_fields(False), name="IncidentPatch")


class TransitionSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(INCIDENT_STATUSES))
    note = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "Required for `resolved` (the resolution note)."},
    )
    override_reason = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "`closed` with work still open: a manager's written reason to close anyway."},
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "`closed → acknowledged` (reopen, managers only): why."},
    )


class CommentSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))

    @validates("body")
    def _body(self, value: str, **kwargs: Any) -> None:
        _title(value)


class IncidentListArgs(LongPageArgs):
    status = fields.String(validate=validate.OneOf(INCIDENT_STATUSES))
    lead_unit = fields.String(validate=validate.Length(min=1, max=32))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    hybrid = fields.String(validate=validate.OneOf(("true", "false", "unknown")))
    rule = fields.String(validate=validate.OneOf(RULES))
    q = fields.String(validate=validate.Length(min=1, max=200))
    created_after = Moment()
    created_before = Moment()
    observable = fields.String(validate=validate.Length(min=1, max=2048))
    technique = fields.String(validate=validate.Regexp(r"^[Tt]\d{4}(\.\d{3})?$", error="not an ATT&CK technique id"))
    # `relevance` (best match of `q` first) is the default with `q`; `-created_at` without.
    sort = sort_field((*SORTABLE, RELEVANCE), "")
