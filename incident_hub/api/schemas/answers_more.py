"""Answer schemas of evidence, people and notifications, sources, playbooks, audit and the manager
figures (the spec's 2xx bodies; api/schemas/answers.py says how they are used)."""

from __future__ import annotations

from marshmallow import Schema, fields

from incident_hub.api.schemas.answers import (
    anything,
    flag,
    ident,
    list_of,
    nested,
    number,
    obj,
    one_of,
    page_of,
    text,
    texts,
    tlp,
    when,
)
from incident_hub.domain.access import ROLES
from incident_hub.domain.lifecycle import INCIDENT_STATUSES


class AttachmentOut(Schema):
    id = ident()
    object_type = one_of(("incident", "action", "assessment"))
    object_id = ident()
    filename = text()
    size = number()
    sha256 = text()
    content_type = text()
    detection = flag()
    description = text()
    created_at = when(nullable=False)
    created_by = text()
    purged_at = when(metadata={"description": "When RETENTION_DAYS removed the bytes (the record stays); null if kept"})


Attachments = list_of(AttachmentOut, "Attachments")


class ObservableOut(Schema):
    id = ident()
    incident_id = ident()
    type = text()
    value = text()
    tlp = tlp()
    sighted_at = when()
    detection = flag()
    comment = text(nullable=True)
    created_at = when(nullable=False)
    created_by = text(nullable=True)


Observables = list_of(ObservableOut, "Observables")


class SeenInOut(Schema):
    id = ident()
    title = text()
    status = one_of(INCIDENT_STATUSES)
    tlp = tlp()


class SightingOut(Schema):
    incident = nested(SeenInOut)
    observable = nested(ObservableOut)


SightingPage = page_of(SightingOut, "SightingPage")


class TechniqueOut(Schema):
    id = text(metadata={"description": "ATT&CK technique id, e.g. T1566.001"})
    name = text()
    tactics = texts()
    url = text(nullable=True)


class TechniquesOut(Schema):
    items = nested(TechniqueOut, many=True)
    total = number()
    attack_version = text()


class TacticCountOut(Schema):
    tactic = text()
    incidents = number()


class TacticsOut(Schema):
    items = nested(TacticCountOut, many=True)


class MeOut(Schema):
    id = ident()
    username = text()
    role = one_of(ROLES)
    unit = text(nullable=True)
    email = text(nullable=True)
    language = text(nullable=True)
    mfa_enabled = flag()


class UserOut(Schema):
    id = ident()
    username = text()
    role = one_of(ROLES)
    unit = text(nullable=True)
    active = flag()
    break_glass = flag(optional=True)
    must_change_password = flag()


class PasswordResetOut(Schema):
    id = ident()
    username = text()
    one_time_password = text(metadata={"description": "Shown in this answer only."})
    must_change_password = flag()


class NotificationOut(Schema):
    id = ident()
    event = text()
    created_at = when(nullable=False)
    read_at = when()
    object_type = text(nullable=True)
    object_id = text(nullable=True)
    incident_id = ident(nullable=True)
    title = text()
    url = text(nullable=True)
    data = obj()


NotificationPage = page_of(NotificationOut, "NotificationPage")


class CountOut(Schema):
    count = number()


class MarkedOut(Schema):
    marked = number()


class PreferencesOut(Schema):
    events = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    digest = one_of(("off", "hourly"))
    language = text(nullable=True)


class FollowerOut(Schema):
    id = ident()
    username = text()
    unit = text(nullable=True)
    since = when()


Followers = list_of(FollowerOut, "Followers")


class ChannelOut(Schema):
    id = ident()
    unit = text()
    kind = one_of(("teams", "slack"))
    url_host = text(metadata={"description": "Only the host: the URL is a credential."})
    events = texts()
    active = flag()
    created_at = when(nullable=False)
    updated_at = when(nullable=False)


Channels = list_of(ChannelOut, "Channels")


class ChannelTestOut(Schema):
    delivered = flag()
    status_code = number(nullable=True)
    error = text(nullable=True)


class FailedDeliveryOut(Schema):
    id = ident()
    channel = text()
    event = text()
    target = text()
    attempts = number()
    last_status_code = number(nullable=True)
    last_error = text(nullable=True)
    created_at = when(nullable=False)


FailedDeliveries = list_of(FailedDeliveryOut, "FailedDeliveries")


class SourceOut(Schema):
    id = ident()
    name = text()
    format = one_of(("alertmanager", "grafana", "generic"))
    enabled = flag()
    url_path = text()
    mapping = anything()
    rate_limit_per_minute = number(nullable=True)
    previous_secret_valid_until = when()
    created_at = when(nullable=False)
    updated_at = when()
    rotated_at = when()


SourcePage = page_of(SourceOut, "SourcePage")


class SourceWithSecretOut(SourceOut):
    secret = text(metadata={"description": "The source secret, shown in this answer only."})


class PlaybookOut(Schema):
    id = ident()
    key = text()
    version = number()
    name = text()
    description = text(nullable=True)
    content_hash = text()
    source = text(nullable=True)
    source_ref = text(nullable=True)
    current = flag()
    created_at = when(nullable=False)
    created_by = text(nullable=True)
    applies_to = anything()
    step_count = number()
    steps = fields.List(fields.Dict(), metadata={"description": "Only on a single playbook."})


PlaybookPage = page_of(PlaybookOut, "PlaybookPage")


class AuditEntryOut(Schema):
    seq = number()
    at = when(nullable=False)
    actor = text()
    action = text()
    object_type = text()
    object_id = text(nullable=True)
    before = anything()
    after = anything()
    prev_hash = text()
    hash = text()


AuditPage = page_of(AuditEntryOut, "AuditPage")


class DashboardOut(Schema):
    """API.md "Dashboard, audit, reports": each section's figures."""

    open_incidents = obj()
    hybrid = obj()
    actions = obj()
    risk_heatmap = obj()
    times = obj()
    trend = anything()
    reviews = obj()


class PeriodOut(Schema):
    from_ = when(nullable=False, data_key="from")
    to = when(nullable=False)


class GovernanceOut(Schema):
    """Aggregates only: no title, location, source, indicator or single incident."""

    report = text()
    basis = text()
    period = nested(PeriodOut)
    generated_at = when(nullable=False)
    incidents = obj()
    hybrid = obj()
    times = obj()
    actions = obj()
    risk_levels = obj()
