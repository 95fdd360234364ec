"""Need to know in SQL (DOMAIN.md "Need to know"): which incidents a person may see. Every package
that reads incidents, their actions or their assessments filters through here; the rules are
in domain/access.py."""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from incident_hub.domain.access import Principal, sees_all_incidents
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import Incident, IncidentUnit
from incident_hub.runtime import units


def visible_incidents(principal: Principal) -> Select[tuple[Incident]]:
    q = select(Incident)
    if not sees_all_incidents(principal, units()):
        q = q.where(exists().where(IncidentUnit.incident_id == Incident.id, IncidentUnit.unit == principal.unit))
    return q


def get_visible_incident(principal: Principal, incident_id: int) -> Incident:
    incident = db.session.execute(visible_incidents(principal).where(Incident.id == incident_id)).scalar_one_or_none()
    if incident is None:
        raise NotFound(f"No incident {incident_id}.")
    return incident
