"""SQLAlchemy tables. They store what the domain decides and decide nothing."""

from incident_hub.models.action import Action, ActionComment
from incident_hub.models.assessment import Assessment, AssessmentVersion, Measure, Signoff, Threat
from incident_hub.models.audit import AuditEntry, AuditHead
from incident_hub.models.base import Base, UTCDateTime
from incident_hub.models.evidence import Attachment, IncidentTechnique, Observable
from incident_hub.models.form_draft import FormDraft
from incident_hub.models.incident import Incident, IncidentPlaybook, IncidentUnit, TimelineEvent
from incident_hub.models.intake import Alert, Delivery, IntakeAttempt, Source
from incident_hub.models.jobs import OutboxMessage, SchedulerLock
from incident_hub.models.notification import ChatChannel, IncidentFollower, Notification, NotificationPreference
from incident_hub.models.playbook import Playbook
from incident_hub.models.review import Review, ReviewFinding, ReviewSignoff
from incident_hub.models.user import ApiToken, LoginFailure, LoginLock, RecoveryCode, User

__all__ = [
    "Action",
    "ActionComment",
    "Alert",
    "ApiToken",
    "Assessment",
    "AssessmentVersion",
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "Base",
    "ChatChannel",
    "Delivery",
    "FormDraft",
    "Incident",
    "IncidentFollower",
    "IncidentPlaybook",
    "IncidentTechnique",
    "IncidentUnit",
    "IntakeAttempt",
    "LoginFailure",
    "LoginLock",
    "Measure",
    "Notification",
    "NotificationPreference",
    "Observable",
    "OutboxMessage",
    "Playbook",
    "RecoveryCode",
    "Review",
    "ReviewFinding",
    "ReviewSignoff",
    "SchedulerLock",
    "Signoff",
    "Source",
    "Threat",
    "TimelineEvent",
    "UTCDateTime",
    "User",
]
