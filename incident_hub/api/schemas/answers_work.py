"""Answer schemas of incidents, their timeline and review, actions and risk assessments (the spec's
2xx bodies; api/schemas/answers.py says how they are used)."""

from __future__ import annotations

from marshmallow import Schema, fields

from incident_hub.api.schemas.answers import (
    anything,
    flag,
    ident,
    list_of,
    long_page_of,
    nested,
    number,
    obj,
    one_of,
    page_of,
    severity,
    text,
    texts,
    tlp,
    when,
)
from incident_hub.domain.assessments import DOMAINS, MEASURE_KINDS, STATUSES
from incident_hub.domain.facts import EFFECTS, VECTORS
from incident_hub.domain.lifecycle import ACTION_STATUSES, INCIDENT_STATUSES, PHASES
from incident_hub.domain.risk import LEVELS


class ClassificationOut(Schema):
    cyber_component = flag()
    physical_security_effect = flag()
    hybrid = flag(nullable=True)
    hybrid_criteria = fields.Dict(
        keys=fields.String(), values=fields.String(metadata={"enum": ["met", "not_met", "unknown"]}), required=True
    )


class RoutingOut(Schema):
    lead_unit = text()
    partner_units = texts()
    informed_units = texts()
    rule = text(metadata={"description": "R1-R5"})
    basis = text()
    explanation = text()
    overridden = flag()


class DetectionOut(Schema):
    sensor = text(optional=True)
    rule = text(optional=True)
    indicators = texts(optional=True)


class IncidentOut(Schema):
    """An incident; `detection` only for OICT and managers (need to know)."""

    id = ident()
    title = text()
    description = text()
    vectors = fields.List(fields.String(metadata={"enum": list(VECTORS)}), required=True)
    effects = fields.List(fields.String(metadata={"enum": list(EFFECTS)}), required=True)
    deliberate = flag(nullable=True)
    severity = severity()
    location = text()
    tlp = tlp()
    occurred_at = when()
    detection = nested(DetectionOut, nullable=True, optional=True)
    status = one_of(INCIDENT_STATUSES)
    classification = nested(ClassificationOut)
    routing = nested(RoutingOut)
    joint_assessment_due_at = when()
    owner = text(nullable=True, metadata={"description": "The incident commander's username."})
    created_at = when(nullable=False)
    updated_at = when(nullable=False)
    acknowledged_at = when()
    contained_at = when()
    resolved_at = when()
    closed_at = when()
    resolution_note = text(nullable=True)
    closure_override_reason = text(nullable=True)


IncidentPage = long_page_of(IncidentOut, "IncidentPage")


class TimelineEventOut(Schema):
    id = ident()
    at = when(nullable=False)
    kind = text(metadata={"description": "comment, created, routed, rerouted, status, …"})
    actor = text(nullable=True)
    body = text(nullable=True)
    data = anything()


Timeline = list_of(TimelineEventOut, "Timeline")


class CriterionOut(Schema):
    name = text()
    met = flag(nullable=True)
    why = text(nullable=True)


class IncidentPlaybookOut(Schema):
    playbook_id = ident()
    key = text()
    name = text()
    version = number()
    matches = flag()
    criteria = nested(CriterionOut, many=True)
    applied = flag()
    how = text(nullable=True)
    actions = number()
    open_actions = number()
    detached_at = when()
    detached_by = text(nullable=True)
    detach_reason = text(nullable=True)


IncidentPlaybooks = list_of(IncidentPlaybookOut, "IncidentPlaybooks")


class AppliedPlaybookOut(Schema):
    playbook_id = ident()
    action_ids = fields.List(fields.Integer(), required=True)


class ActionOut(Schema):
    id = ident()
    title = text()
    description = text()
    phase = one_of(PHASES)
    owner_unit = text()
    mandate = text(nullable=True)
    assignee_id = ident(nullable=True)
    assignee = text(nullable=True)
    status = one_of(ACTION_STATUSES)
    due_at = when()
    completed_at = when()
    evidence = text()
    blocked_reason = text()
    cancel_reason = text()
    incident_id = ident(nullable=True)
    assessment_id = ident(nullable=True)
    playbook_id = ident(nullable=True)
    source_step = text(nullable=True)
    escalated_at = when()
    overdue = flag()
    created_at = when(nullable=False)
    updated_at = when(nullable=False)


ActionPage = long_page_of(ActionOut, "ActionPage")


class BulkResultOut(Schema):
    id = fields.Integer(required=True)
    status = text(nullable=True)
    error = obj(nullable=True)


class BulkOut(Schema):
    results = nested(BulkResultOut, many=True)
    succeeded = number()
    refused = number()


class CommentOut(Schema):
    id = ident()
    at = when(nullable=False)
    author = text()
    body = text()


Comments = list_of(CommentOut, "Comments")


class MeasureOut(Schema):
    id = ident()
    kind = one_of(MEASURE_KINDS)
    description = text()
    owner_unit = text()
    residual_likelihood = number(nullable=True)
    residual_impact = number(nullable=True)
    residual_risk_level = one_of(LEVELS, nullable=True)
    due_at = when()
    action_id = ident(nullable=True)
    created_at = when(nullable=False)
    updated_at = when(nullable=False)


class ThreatOut(Schema):
    """A threat; for a caller not cleared for cyber details (`restricted`), only id, title, domain
    and risk level."""

    id = ident()
    title = text()
    domain = one_of(DOMAINS)
    risk_level = one_of(LEVELS)
    restricted = flag()
    description = text(optional=True)
    likelihood = number(optional=True)
    impact = number(optional=True)
    residual_risk_level = one_of(LEVELS, optional=True)
    measures = nested(MeasureOut, many=True, optional=True)
    created_at = when(nullable=False, optional=True)
    updated_at = when(nullable=False, optional=True)


class AssessmentSummaryOut(Schema):
    id = ident()
    incident_id = ident(nullable=True)
    subject = text()
    title = text()
    joint = flag()
    auto_created = flag()
    status = one_of(STATUSES)
    version = number()
    current_version = number()
    frozen = flag()
    frozen_at = when()
    signed_at = when()
    review_due_at = when()
    review_due = flag()
    review_flagged_at = when()
    created_by = text(nullable=True)
    created_at = when(nullable=False)
    updated_at = when(nullable=False)


AssessmentPage = page_of(AssessmentSummaryOut, "AssessmentPage")


class SignoffOut(Schema):
    unit = text()
    user = text()
    at = when(nullable=False)
    note = text()


class VersionOut(Schema):
    number = number()
    status = one_of(STATUSES)
    frozen_at = when()
    signed_at = when()


class AssessmentOut(AssessmentSummaryOut):
    note = text()
    joint_due_at = when()
    joint_overdue = flag()
    first_signed_at = when()
    required_signoffs = texts()
    signoffs = nested(SignoffOut, many=True)
    residual_risk_level = one_of(LEVELS, nullable=True)
    threats = nested(ThreatOut, many=True)
    versions = nested(VersionOut, many=True)


class FindingOut(Schema):
    id = ident()
    text = fields.String(required=True)
    action_id = ident(nullable=True)
    action_status = one_of(ACTION_STATUSES, nullable=True)


class ReviewSignoffOut(Schema):
    unit = text()
    username = text()
    at = when(nullable=False)
    note = text()


class ReviewOut(Schema):
    incident_id = ident()
    status = text(metadata={"description": "not_started, draft, signed, …"})
    joint = flag()
    required = flag()
    required_signoffs = texts()
    may_edit = flag()
    summary = text()
    key_moments = fields.List(fields.Dict(), required=True, metadata={"description": '`[{"at", "what"}]`'})
    went_well = text()
    went_badly = text()
    root_cause = text()
    findings = nested(FindingOut, many=True)
    signoffs = nested(ReviewSignoffOut, many=True)
    revision = number()
    signed_at = when()
    created_by = text(nullable=True)
    created_at = when()
    updated_at = when()
