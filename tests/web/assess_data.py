"""Assessments, threats and measures for page and dashboard tests, made through the services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from incident_hub.domain.access import Principal
from incident_hub.extensions import db
from incident_hub.models import Assessment
from incident_hub.services.assessments.commands import create_assessment
from incident_hub.services.assessments.threats import add_measure, add_threat
from tests.factories import SYSTEM


def make_assessment(
    threats: list[tuple[str, int, int]] = (),  # type: ignore[assignment]
    incident_id: int | None = None,
    title: str = "Premises and network risk",
    principal: Principal = SYSTEM,
) -> Assessment:
    """An assessment (subject-only unless `incident_id`) with threats (domain, likelihood, impact)."""
    data: dict[str, Any] = {"title": title, "incident_id": incident_id, "review_due_at": None}
    data["subject"] = "" if incident_id else "Geneva campus"
    a = create_assessment(principal, data)
    for n, (domain, likelihood, impact) in enumerate(threats):
        add_threat(principal, a.id, threat(domain, likelihood, impact, f"Threat {n + 1} ({domain})"))
    return a


def threat(domain: str, likelihood: int, impact: int, title: str = "Tailgating") -> dict[str, Any]:
    return {"title": title, "description": "", "domain": domain, "likelihood": likelihood, "impact": impact}


def measure(owner_unit: str = "OICT", rl: int | None = 1, ri: int | None = 1) -> dict[str, Any]:
    return {
        "kind": "mitigation",
        "description": "Segment the badge network",
        "owner_unit": owner_unit,
        "residual_likelihood": rl,
        "residual_impact": ri,
        "due_at": None,
        "track_as_action": False,
    }


def add_threat_with_measure(assessment_id: int, domain: str = "cyber") -> None:
    t = add_threat(SYSTEM, assessment_id, threat(domain, 4, 4, "Badge cloning"))
    add_measure(SYSTEM, assessment_id, t.id, measure("OICT"))


def joint_assessment_of(incident_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.execute(select(Assessment).where(Assessment.auto_for_incident_id == incident_id)).scalar_one()
