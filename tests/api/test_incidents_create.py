"""POST/GET /api/v1/incidents: every routing rule through the API, the response shape, and
validation that writes nothing (API.md "Incidents"; DOMAIN.md "Routing rules")."""

from __future__ import annotations

import re

import pytest

from tests.api.incident_helpers import DETECTION, URL, audit_actions, audits, body, counts, create, error

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.mark.parametrize(
    ("rule", "lead", "partners", "informed", "hybrid", "basis"),
    [
        ("R1", "OICT", [], [], False, "A/77/88/Add.1 para 16"),
        ("R2", "OICT", ["DSS"], [], False, "A/77/88/Add.1 paras 15-16"),
        ("R3", "OICT", ["DSS"], [], True, "A/77/88/Add.1 para 16; footnote 1"),
        ("R4", "DSS", [], ["OICT"], False, "A/77/88/Add.1 para 16"),
    ],
)
def test_create_routes_by_rule(as_oict, rule, lead, partners, informed, hybrid, basis):
    response = as_oict.post(URL, json=body(rule))
    assert response.status_code == 201
    incident = response.get_json()
    assert response.headers["Location"].endswith(f"{URL}/{incident['id']}")
    routing = incident["routing"]
    assert (routing["rule"], routing["lead_unit"], routing["partner_units"], routing["informed_units"]) == (
        rule,
        lead,
        partners,
        informed,
    )
    assert routing["basis"] == basis and routing["explanation"]
    assert incident["classification"]["hybrid"] is hybrid
    assert incident["status"] == "new"
    if rule == "R3":
        assert ISO_Z.match(incident["joint_assessment_due_at"])
    else:
        assert incident["joint_assessment_due_at"] is None
    assert as_oict.get(response.headers["Location"]).get_json() == incident


def test_unknown_deliberate_gives_null_hybrid_and_r2(as_oict):
    incident = create(as_oict, "R3", deliberate=None)
    assert incident["classification"]["hybrid"] is None
    assert incident["classification"]["hybrid_criteria"]["deliberate"] == "unknown"
    assert incident["routing"]["rule"] == "R2"


def test_r5_for_a_raw_alert_with_no_vector(app):
    """R5: intake may store an alert before its vectors are known (the API requires one)."""
    from tests.factories import make_incident

    incident = make_incident(vectors=[], effects=[])
    assert (incident.rule, incident.lead_unit) == ("R5", "OICT")


def test_response_shape(as_oict):
    incident = create(as_oict, "R3", occurred_at="2026-11-20T08:00:00Z", detection=DETECTION, location="Geneva HQ")
    assert set(incident) >= {
        "id", "title", "description", "vectors", "effects", "deliberate", "severity", "location", "tlp",
        "occurred_at", "detection", "status", "classification", "routing", "joint_assessment_due_at",
        "created_at", "updated_at", "acknowledged_at", "contained_at", "resolved_at",
    }  # fmt: skip
    assert incident["classification"] == {
        "cyber_component": True,
        "physical_security_effect": True,
        "hybrid": True,
        "hybrid_criteria": {
            "cyber_component": "met",
            "deliberate": "met",
            "programme_disruption": "met",
            "physical_security_effect": "met",
        },
    }
    assert incident["occurred_at"] == "2026-11-20T08:00:00Z"
    for name in ("created_at", "updated_at"):
        assert ISO_Z.match(incident[name]), incident[name]
    assert incident["acknowledged_at"] is None and incident["detection"] == DETECTION


def test_create_is_audited_with_its_events(as_oict, as_manager):
    incident = create(as_oict, "R3")
    [entry] = audits(incident["id"], "incident.create")
    assert entry.actor == "oict1" and entry.after["routing"]["rule"] == "R3"
    kinds = [e["kind"] for e in as_oict.get(f"{URL}/{incident['id']}/timeline").get_json()["items"]]
    assert kinds[:2] == ["created", "routed"]  # then what after_routing adds (assessment, playbooks)


def test_dss_officer_logs_a_physical_incident(as_dss):
    incident = create(as_dss, "R4")
    assert incident["routing"]["lead_unit"] == "DSS" and "detection" not in incident
    assert as_dss.get(f"{URL}/{incident['id']}").status_code == 200


# --- validation: 422 naming each field, nothing written -----------------------------------

DERIVED = {
    "classification": {"hybrid": True},
    "routing": {"lead_unit": "DSS"},
    "status": "closed",
    "created_at": "2026-11-20T08:00:00Z",
    "updated_at": "2026-11-20T08:00:00Z",
    "resolved_at": "2026-11-20T08:00:00Z",
    "joint_assessment_due_at": "2026-11-20T08:00:00Z",
    "lead_unit": "OICT",
}
BAD = [
    ({"vectors": ["telepathy"]}, "vectors.0"),
    ({"effects": ["bad_vibes"]}, "effects.0"),
    ({"severity": "apocalyptic"}, "severity"),
    ({"tlp": "TLP:WHITE"}, "tlp"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": 42}, "title"),
    ({"vectors": "digital"}, "vectors"),
    ({"vectors": []}, "vectors"),
    ({"deliberate": "yes"}, "deliberate"),
    ({"deliberate": 1}, "deliberate"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "2026-11-20T08:00:00"}, "occurred_at"),  # naive: no time zone
    ({"detection": {"indicators": "1.2.3.4"}}, "detection.indicators"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f for _, f in BAD])
def test_invalid_fields_are_named_and_nothing_is_written(as_oict, change, field):
    before = counts()
    payload = error(as_oict.post(URL, json={**body("R1"), **change}), 422, "validation_error")
    assert list(payload["details"]["fields"]) == [field]
    assert counts() == before


def test_every_derived_field_is_refused_by_name(as_oict):
    before = counts()
    payload = error(as_oict.post(URL, json={**body("R1"), **DERIVED}), 422, "validation_error")
    assert set(payload["details"]["fields"]) == set(DERIVED)
    assert counts() == before


def test_missing_title_and_vectors(as_oict):
    before = counts()
    payload = error(as_oict.post(URL, json={"severity": "low"}), 422, "validation_error")
    assert set(payload["details"]["fields"]) == {"title", "vectors"}
    assert counts() == before


def test_not_json_and_bad_json_write_nothing(as_oict):
    before = counts()
    error(as_oict.post(URL, data="title=x", headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")
    error(as_oict.post(URL, data="{not json", headers={"Content-Type": "application/json"}), 400, "bad_json")
    error(as_oict.post(URL, json=["a list"]), 422, "validation_error")
    assert counts() == before


def test_dss_may_not_record_detection(as_dss):
    before = counts()
    payload = error(as_dss.post(URL, json=body("R4", detection=DETECTION)), 422, "validation_error")
    assert list(payload["details"]["fields"]) == ["detection"]
    assert counts() == before


def test_anonymous_is_401(client):
    before = counts()
    assert client.post(URL, json=body("R1")).status_code == 401
    assert client.get(URL).status_code == 401
    assert counts() == before


def test_unknown_incident_is_404(as_oict):
    error(as_oict.get(f"{URL}/999999"), 404, "not_found")
    assert audit_actions(999999) == []


def test_openapi_lists_the_incident_paths(as_oict):
    paths = as_oict.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("", "/{incident_id}", "/{incident_id}/transitions", "/{incident_id}/timeline"):
        assert f"{URL}{path}" in paths
