"""services/incidents.py: one transaction per use case, audit included (ARCHITECTURE.md)."""

from __future__ import annotations

import pytest

from incident_hub.services.incidents import commands as service
from tests.api.incident_helpers import counts
from tests.factories import SYSTEM, make_incident


def test_a_failure_after_routing_rolls_back_incident_events_and_audit(app, monkeypatch):
    before = counts()

    def boom(*args, **kwargs):
        raise RuntimeError("playbook store unavailable")

    monkeypatch.setattr(service, "after_routing", boom)
    with pytest.raises(RuntimeError):
        make_incident(hybrid=True)
    assert counts() == before


def test_r5_alert_reroutes_when_vectors_arrive(app):
    incident = make_incident(vectors=[], effects=[])
    assert incident.rule == "R5" and incident.hybrid is None
    updated = service.update_incident(SYSTEM, incident.id, {"vectors": ["digital"]})
    assert (updated.rule, updated.lead_unit) == ("R1", "OICT")


def test_hybrid_by_new_facts_starts_the_joint_assessment_clock_once(app):
    incident = make_incident(effects=["programme_disruption"])
    assert incident.joint_assessment_due_at is None
    hybrid = service.update_incident(SYSTEM, incident.id, {"effects": ["programme_disruption", "personnel_harm_risk"]})
    due = hybrid.joint_assessment_due_at
    assert hybrid.rule == "R3" and due is not None
    again = service.update_incident(SYSTEM, incident.id, {"title": "Still hybrid", "deliberate": True})
    assert again.joint_assessment_due_at == due
    cleared = service.update_incident(SYSTEM, incident.id, {"deliberate": False})
    assert cleared.rule == "R2" and cleared.joint_assessment_due_at is None
