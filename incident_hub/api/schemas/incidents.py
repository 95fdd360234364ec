"""Request schemas of /api/v1/incidents (API.md "Incidents").

A request carries facts only: the classification, the routing, the status and the
timestamps are derived, so naming one of them is refused field by field (422), never
silently ignored. Unknown fields are refused too (marshmallow's RAISE).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from incident_hub.api.pagination import PageArgs, sort_field
from incident_hub.domain.facts import EFFECTS, SEVERITIES, TLP_LABELS, VECTORS
from incident_hub.domain.lifecycle import INCIDENT_STATUSES
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


class Refused(fields.Field):
    """A derived field: present in a request body means a 422 naming it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raise ValidationError(DERIVED_MESSAGE)


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
        "occurred_at": fields.AwareDateTime(allow_none=True, **default(None)),
        "detection": fields.Nested(DetectionSchema, allow_none=True, **default(None)),
    }


_REFUSED = {name: Refused() for name in DERIVED}
IncidentCreateSchema = Schema.from_dict(
    {**_facts_fields(True), **_REFUSED, "lead_unit": Refused()}, name="IncidentCreate"
)


class _PatchBase(Schema):
    lead_unit = fields.String(validate=validate.Length(min=1, max=32))
    owner = fields.String(allow_none=True, validate=validate.Length(min=1, max=80))

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("send at least one field to change")


IncidentPatchSchema = _PatchBase.from_dict({**_facts_fields(False), **_REFUSED}, name="IncidentPatch")


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


class IncidentListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(INCIDENT_STATUSES))
    lead_unit = fields.String(validate=validate.Length(min=1, max=32))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    hybrid = fields.String(validate=validate.OneOf(("true", "false", "unknown")))
    rule = fields.String(validate=validate.OneOf(RULES))
    q = fields.String(validate=validate.Length(min=1, max=200))
    created_after = fields.AwareDateTime()
    created_before = fields.AwareDateTime()
    observable = fields.String(validate=validate.Length(min=1, max=2048))
    technique = fields.String(validate=validate.Regexp(r"^[Tt]\d{4}(\.\d{3})?$", error="not an ATT&CK technique id"))
    # `relevance` (best match of `q` first) is the default with `q`; `-created_at` without.
    sort = sort_field((*SORTABLE, RELEVANCE), "")
    after = fields.String(
        validate=validate.Length(min=1, max=1024),
        metadata={
            "description": "Keyset paging: the `next_cursor` of the previous page (same filters and sort). "
            "Pages deep into a long list as fast as the first; not combined with `page`."
        },
    )

    @validates_schema(pass_original=True)
    def _after_or_page(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        if "after" in data and "page" in original:
            raise ValidationError("cannot be combined with page", field_name="after")


class IncidentPageSchema(Schema):
    """A page of `GET /api/v1/incidents` (issue 18: lists that stay fast at 1,000,000 incidents)."""

    items = fields.List(fields.Dict(), required=True, metadata={"description": "The incidents of the page."})
    total = fields.Integer(
        required=True,
        metadata={
            "description": "Matches the caller may see: exact up to LIST_EXACT_TOTAL_MAX (10,000), else an estimate."
        },
    )
    total_is_estimate = fields.Boolean(
        required=True,
        metadata={"description": "true when `total` is an estimate (PostgreSQL's planner; SQLite: sampled)."},
    )
    page = fields.Integer(
        allow_none=True, metadata={"description": "The page number; null on a page asked with `after`."}
    )
    per_page = fields.Integer(required=True)
    next_cursor = fields.String(
        allow_none=True,
        metadata={"description": "Pass as `after` for the next page (keyset paging); null on the last page."},
    )
