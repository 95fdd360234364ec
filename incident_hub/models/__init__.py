"""SQLAlchemy tables. They store what the domain decides and decide nothing."""

from incident_hub.models.action import Action
from incident_hub.models.audit import AuditEntry, AuditHead
from incident_hub.models.base import Base, UTCDateTime
from incident_hub.models.incident import Incident, IncidentUnit, TimelineEvent
from incident_hub.models.intake import Alert, Delivery, Source
from incident_hub.models.user import ApiToken, User

__all__ = [
    "Action",
    "Alert",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Delivery",
    "Incident",
    "IncidentUnit",
    "Source",
    "TimelineEvent",
    "UTCDateTime",
    "User",
]
