"""STIX 2.1 and MISP exports through HTTP on both databases: the bundle passes stix2-validator,
the MISP event loads back into PyMISP, and the markers — TLP and need to know — hold in both:
TLP:RED never leaves, TLP:AMBER+STRICT only for ?audience=internal, a detection file never,
a detection observable never for a DSS officer (nor for anyone outside)."""

from __future__ import annotations

import json

import pytest
from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_string

from tests.evidence.conftest import PDF, upload
from tests.factories import make_incident

SECRET_IP = "203.0.113.66"
RED_DOMAIN = "red-only.example"
STRICT_DOMAIN = "strict-only.example"
GREEN_URL = "https://green.example/lure"


@pytest.fixture
def shared(as_oict, store):
    """An R2 incident (DSS partner) with observables of each marker and two files."""
    incident = make_incident(
        vectors=["digital"], effects=["personnel_harm_risk"], tlp="TLP:AMBER", title="Badge system phishing"
    )
    path = f"/api/v1/incidents/{incident.id}/observables"
    for body in (
        {"type": "ipv4", "value": SECRET_IP, "detection": True},
        {"type": "domain", "value": RED_DOMAIN, "tlp": "TLP:RED"},
        {"type": "domain", "value": STRICT_DOMAIN, "tlp": "TLP:AMBER+STRICT"},
        {"type": "url", "value": GREEN_URL, "tlp": "TLP:GREEN", "sighted_at": "2026-11-20T08:00:00Z"},
        {"type": "file_sha256", "value": "ab" * 32},
        {"type": "cve", "value": "CVE-2024-3094", "tlp": "TLP:CLEAR"},
        {"type": "user_account", "value": "svc_badge"},
    ):
        assert as_oict.post(path, json=body).status_code == 201
    files = f"/api/v1/incidents/{incident.id}/attachments"
    assert upload(as_oict, files, PDF, "mail.pdf").status_code == 201
    assert upload(as_oict, files, b"ids rule set", "ids-rules.txt", detection=True).status_code == 201
    assert (
        as_oict.put(f"/api/v1/incidents/{incident.id}/techniques", json={"techniques": ["T1566.001"]}).status_code
        == 200
    )
    return incident


def _stix(client, incident_id, audience=None):
    suffix = f"?audience={audience}" if audience else ""
    return client.get(f"/api/v1/incidents/{incident_id}/stix{suffix}")


def _values(bundle: dict) -> str:
    return json.dumps(bundle)


def _valid(bundle: dict) -> None:
    results = validate_string(json.dumps(bundle), ValidationOptions(version="2.1", strict=False))
    assert not results.warnings, sorted({str(w).split(": ", 1)[1] for w in results.warnings})
    assert results.is_valid, [str(e) for e in results.errors]


def test_stix_bundle_is_valid_and_marked(as_oict, shared):
    response = _stix(as_oict, shared.id)
    assert response.status_code == 200 and response.mimetype == "application/stix+json"
    bundle = response.get_json()
    _valid(bundle)
    types = {o["type"] for o in bundle["objects"]}
    assert {"incident", "indicator", "observed-data", "attack-pattern", "vulnerability", "marking-definition"} <= types
    markings = {o["id"]: o["name"] for o in bundle["objects"] if o["type"] == "marking-definition"}
    for obj in bundle["objects"]:
        if obj["type"] not in ("marking-definition",):
            assert obj.get("object_marking_refs"), obj["type"]
            assert all(ref in markings for ref in obj["object_marking_refs"])
    incident = next(o for o in bundle["objects"] if o["type"] == "incident")
    assert markings[incident["object_marking_refs"][0]] == "TLP:AMBER"
    pattern = next(o for o in bundle["objects"] if o["type"] == "attack-pattern")
    assert pattern["kill_chain_phases"] == [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]
    assert pattern["external_references"][0]["external_id"] == "T1566.001"
    text = _values(bundle)
    assert GREEN_URL in text and "CVE-2024-3094" in text and "mail.pdf" in text
    # what may not leave, does not
    assert RED_DOMAIN not in text and "TLP:RED" not in text
    assert STRICT_DOMAIN not in text
    assert SECRET_IP not in text  # detection observable: not for outsiders, even from OICT
    assert "ids-rules" not in text  # detection file: never


def test_internal_audience_admits_amber_strict_and_detection_for_oict(as_oict, shared):
    bundle = _stix(as_oict, shared.id, "internal").get_json()
    _valid(bundle)
    text = _values(bundle)
    assert STRICT_DOMAIN in text and SECRET_IP in text
    assert RED_DOMAIN not in text and "ids-rules" not in text


def test_dss_export_holds_nothing_marked_detection(as_dss, shared):
    for audience in (None, "internal"):
        response = _stix(as_dss, shared.id, audience)
        assert response.status_code == 200
        text = _values(response.get_json())
        assert SECRET_IP not in text and "ids-rules" not in text and RED_DOMAIN not in text
        misp = as_dss.get(f"/api/v1/incidents/{shared.id}/misp" + (f"?audience={audience}" if audience else ""))
        text = json.dumps(misp.get_json())
        assert SECRET_IP not in text and "ids-rules" not in text and RED_DOMAIN not in text
    assert STRICT_DOMAIN in _values(_stix(as_dss, shared.id, "internal").get_json())


def test_red_incident_never_leaves_and_strict_only_internally(as_oict, as_manager):
    red = make_incident(tlp="TLP:RED")
    for audience in (None, "internal"):
        for fmt in ("stix", "misp"):
            q = f"?audience={audience}" if audience else ""
            response = as_manager.get(f"/api/v1/incidents/{red.id}/{fmt}{q}")
            assert response.status_code == 422
            assert response.get_json()["error"]["details"]["rule"] == "tlp"
    strict = make_incident(tlp="TLP:AMBER+STRICT")
    assert _stix(as_oict, strict.id).status_code == 422
    assert _stix(as_oict, strict.id, "internal").status_code == 200
    assert as_oict.get(f"/api/v1/incidents/{strict.id}/misp?audience=everyone").status_code == 422


def test_incident_the_caller_may_not_see_is_404(as_dss):
    cyber_only = make_incident(tlp="TLP:GREEN")  # R1: DSS takes no part
    assert _stix(as_dss, cyber_only.id).status_code == 404
    assert as_dss.get(f"/api/v1/incidents/{cyber_only.id}/misp").status_code == 404


def test_misp_event_loads_back_into_pymisp(as_oict, shared):
    response = as_oict.get(f"/api/v1/incidents/{shared.id}/misp")
    assert response.status_code == 200
    event = MISPEvent()
    event.load(response.get_json())
    assert event.info.endswith("Badge system phishing")
    assert event.distribution == 1  # TLP:AMBER: this community only
    assert "tlp:amber" in {t.name for t in event.tags}
    assert any("T1566.001" in t.name for t in event.tags)
    by_value = {a.value: a for a in event.attributes}
    assert by_value[GREEN_URL].type == "url" and by_value[GREEN_URL].distribution == 2
    assert "tlp:green" in {t.name for t in by_value[GREEN_URL].tags}
    assert by_value["CVE-2024-3094"].type == "vulnerability" and by_value["CVE-2024-3094"].distribution == 3
    assert any(a.type == "filename|sha256" and a.value.startswith("mail.pdf|") for a in event.attributes)
    values = set(by_value)
    assert SECRET_IP not in values and RED_DOMAIN not in values and STRICT_DOMAIN not in values
    assert not any("ids-rules" in v for v in values)
    internal = MISPEvent()
    internal.load(as_oict.get(f"/api/v1/incidents/{shared.id}/misp?audience=internal").get_json())
    internal_values = {a.value for a in internal.attributes}
    assert STRICT_DOMAIN in internal_values and SECRET_IP in internal_values
    assert next(a for a in internal.attributes if a.value == STRICT_DOMAIN).distribution == 0


def test_exports_are_audited(as_oict, as_manager, shared):
    _stix(as_oict, shared.id)
    entries = as_manager.get("/api/v1/audit?per_page=500").get_json()["items"]
    exports = [e for e in entries if e["action"] == "incident.export"]
    assert exports and exports[-1]["after"]["format"] == "stix" and exports[-1]["actor"] == "oict1"
