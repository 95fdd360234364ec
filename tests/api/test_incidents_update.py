"""PATCH /api/v1/incidents/{id}: new facts re-run classification and routing; a manual lead is
guarded by M1 (DOMAIN.md "Routing rules", "Mandate guard"; A/77/88/Add.1 paras 15-16)."""

from __future__ import annotations

import pytest

from tests.api.incident_helpers import FACTS, URL, audit_actions, audits, counts, create, error


def test_new_facts_reroute_and_audit_the_lead_change(as_oict):
    incident = create(as_oict, "R4")
    assert incident["routing"]["lead_unit"] == "DSS"
    response = as_oict.patch(f"{URL}/{incident['id']}", json={"vectors": ["physical", "digital"]})
    assert response.status_code == 200
    after = response.get_json()
    assert (after["routing"]["rule"], after["routing"]["lead_unit"]) == ("R2", "OICT")
    assert after["routing"]["partner_units"] == ["DSS"]
    [entry] = audits(incident["id"], "incident.reroute")
    assert (entry.before["lead_unit"], entry.before["rule"]) == ("DSS", "R4")
    assert (entry.after["lead_unit"], entry.after["rule"]) == ("OICT", "R2")
    assert audit_actions(incident["id"]) == ["incident.create", "incident.reroute", "incident.update"]
    events = as_oict.get(f"{URL}/{incident['id']}/timeline").get_json()["items"]
    rerouted = events[-1]
    assert rerouted["kind"] == "rerouted" and rerouted["data"]["after"]["rule"] == "R2"


@pytest.mark.parametrize(
    ("start", "change", "rule"),
    [
        ("R1", {"effects": ["personnel_harm_risk"]}, "R2"),
        ("R2", {"effects": ["personnel_harm_risk", "programme_disruption"]}, "R3"),
        ("R3", {"deliberate": False}, "R2"),
        ("R3", {"vectors": ["physical"]}, "R4"),
        ("R4", {"vectors": ["physical_on_it"]}, "R2"),
    ],
)
def test_each_rule_is_reached_by_new_facts(as_oict, start, change, rule):
    incident = create(as_oict, start)
    after = as_oict.patch(f"{URL}/{incident['id']}", json=change).get_json()
    assert after["routing"]["rule"] == rule
    assert (after["joint_assessment_due_at"] is not None) is (rule == "R3")


def test_plain_facts_do_not_reroute(as_oict):
    incident = create(as_oict, "R1")
    after = as_oict.patch(f"{URL}/{incident['id']}", json={"title": "Renamed", "severity": "critical"}).get_json()
    assert (after["title"], after["severity"], after["routing"]["rule"]) == ("Renamed", "critical", "R1")
    [update] = audits(incident["id"], "incident.update")
    assert (update.before["title"], update.after["title"]) == ("Incident R1", "Renamed")
    assert audits(incident["id"], "incident.reroute") == []


@pytest.mark.parametrize("rule", ["R1", "R2", "R3"])
def test_override_to_dss_on_cyber_work_is_m1(as_manager, rule):
    incident = create(as_manager, rule)
    before = counts()
    payload = error(as_manager.patch(f"{URL}/{incident['id']}", json={"lead_unit": "DSS"}), 422, "mandate_violation")
    assert payload["details"]["rule"] == "M1" and payload["details"]["unit"] == "DSS"
    assert payload["details"]["missing_mandates"] == ["cyber"]
    assert counts() == before
    assert as_manager.get(f"{URL}/{incident['id']}").get_json()["routing"]["lead_unit"] == "OICT"


def test_override_with_new_cyber_facts_in_the_same_request_is_m1(as_manager):
    incident = create(as_manager, "R4")
    before = counts()
    change = {"vectors": ["digital"], "lead_unit": "DSS"}
    error(as_manager.patch(f"{URL}/{incident['id']}", json=change), 422, "mandate_violation")
    assert counts() == before


def test_override_of_a_physical_incident_to_oict_is_m1(as_manager):
    incident = create(as_manager, "R4")
    payload = error(as_manager.patch(f"{URL}/{incident['id']}", json={"lead_unit": "OICT"}), 422, "mandate_violation")
    assert payload["details"]["missing_mandates"] == ["physical_security"]


def test_override_to_an_unknown_unit_is_422(as_manager):
    incident = create(as_manager, "R1")
    before = counts()
    payload = error(as_manager.patch(f"{URL}/{incident['id']}", json={"lead_unit": "NASA"}), 422, "unknown_unit")
    assert "lead_unit" in payload["details"]["fields"] or "unit" in payload["details"]["fields"]
    assert counts() == before


def test_override_allowed_to_a_unit_holding_the_mandates(app, as_manager):
    """A deployment with a third unit holding `cyber` (config, not code)."""
    from dataclasses import replace

    from incident_hub.domain.units import CYBER, PHYSICAL_SECURITY, Unit, UnitRegistry
    from incident_hub.runtime import runtime

    old = runtime().units
    extra = Unit("CSOC", "Converged SOC", frozenset({CYBER, PHYSICAL_SECURITY}))
    app.extensions["incident_hub"] = replace(runtime(), units=UnitRegistry([*old, extra]))
    try:
        incident = create(as_manager, "R2")
        response = as_manager.patch(f"{URL}/{incident['id']}", json={"lead_unit": "CSOC"})
        assert response.status_code == 200
        routing = response.get_json()["routing"]
        assert routing["lead_unit"] == "CSOC" and set(routing["partner_units"]) == {"OICT", "DSS"}
        [entry] = audits(incident["id"], "incident.override_lead")
        assert (entry.before["lead_unit"], entry.after["lead_unit"], entry.after["rule"]) == ("OICT", "CSOC", "R2")
    finally:
        app.extensions["incident_hub"] = replace(runtime(), units=old)


def test_patch_validation_writes_nothing(as_oict):
    incident = create(as_oict, "R1")
    before = counts()
    for change, field in [
        ({}, "_schema"),
        ({"vectors": []}, "vectors"),
        ({"status": "closed"}, "status"),
        ({"routing": {"lead_unit": "DSS"}}, "routing"),
        ({"severity": "huge"}, "severity"),
        ({"title": "x" * 201}, "title"),
        ({"nonsense": 1}, "nonsense"),
    ]:
        payload = error(as_oict.patch(f"{URL}/{incident['id']}", json=change), 422, "validation_error")
        assert list(payload["details"]["fields"]) == [field], change
    assert counts() == before


def test_dss_officer_may_change_incidents_dss_leads_only(as_oict, as_dss):
    physical = create(as_oict, "R4")
    assert as_dss.patch(f"{URL}/{physical['id']}", json={"severity": "critical"}).status_code == 200
    partnered = create(as_oict, "R2", **{"effects": FACTS["R2"]["effects"]})
    pure_cyber = create(as_oict, "R1")
    before = counts()
    error(as_dss.patch(f"{URL}/{partnered['id']}", json={"severity": "low"}), 403, "forbidden")
    error(as_dss.patch(f"{URL}/{pure_cyber['id']}", json={"severity": "low"}), 404, "not_found")
    assert counts() == before
