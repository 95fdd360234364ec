"""Shared bodies and checks for the incidents API tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, Incident, IncidentUnit, TimelineEvent

URL = "/api/v1/incidents"
FACTS = {
    "R1": {"vectors": ["digital"], "effects": ["data_compromise"], "deliberate": True},
    "R2": {"vectors": ["digital"], "effects": ["personnel_harm_risk"], "deliberate": True},
    "R3": {"vectors": ["digital"], "effects": ["programme_disruption", "premises_security_gap"], "deliberate": True},
    "R4": {"vectors": ["physical"], "effects": ["premises_security_gap"], "deliberate": None},
}
DETECTION = {"sensor": "ids-gva-01", "rule": "ET SCAN", "indicators": ["203.0.113.7"]}


def body(rule: str = "R1", **extra: Any) -> dict[str, Any]:
    return {"title": f"Incident {rule}", "severity": "high", "tlp": "TLP:AMBER", **FACTS[rule], **extra}


def counts() -> dict[str, int]:
    """Rows that any write would add to: compared before and after a refused request."""
    db.session.rollback()
    return {
        model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Incident, IncidentUnit, TimelineEvent, AuditEntry)
    }


def audit_actions(incident_id: int) -> list[str]:
    db.session.rollback()
    rows = db.session.execute(
        select(AuditEntry.action).where(AuditEntry.object_type == "incident", AuditEntry.object_id == str(incident_id))
    )
    return list(rows.scalars())


def audits(incident_id: int, action: str) -> list[AuditEntry]:
    db.session.rollback()
    q = select(AuditEntry).where(AuditEntry.object_id == str(incident_id), AuditEntry.action == action)
    return list(db.session.execute(q.order_by(AuditEntry.seq)).scalars())


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    payload = response.get_json()["error"]
    assert payload["status"] == status and payload["code"] == code, payload
    assert payload["message"]
    return payload


def create(client: Any, rule: str = "R1", **extra: Any) -> dict[str, Any]:
    response = client.post(URL, json=body(rule, **extra))
    assert response.status_code == 201, response.get_json()
    return response.get_json()
