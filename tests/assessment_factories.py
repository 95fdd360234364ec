"""Assessments made through the HTTP API (so M1, audit and timeline stay real)."""

from __future__ import annotations

from typing import Any

PREFIX = "/api/v1/assessments"


def create_assessment(client: Any, **body: Any) -> dict[str, Any]:
    payload = {"title": "Assessment", "subject": "Geneva HQ, building S", **body}
    response = client.post(PREFIX, json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_threat(client: Any, assessment_id: int, **body: Any) -> dict[str, Any]:
    payload = {"title": "Tailgating at staff entrance", "domain": "physical", "likelihood": 3, "impact": 3, **body}
    response = client.post(f"{PREFIX}/{assessment_id}/threats", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_measure(client: Any, assessment_id: int, threat_id: int, **body: Any) -> dict[str, Any]:
    payload = {"kind": "mitigation", "description": "Guard at the door", "owner_unit": "DSS", **body}
    response = client.post(f"{PREFIX}/{assessment_id}/threats/{threat_id}/measures", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
