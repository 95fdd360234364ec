"""Observables and ATT&CK techniques through HTTP on both databases: validation per type,
normalisation, uniqueness, need to know for `detection`, and the search across incidents."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Observable
from tests.factories import make_incident

VALID = [
    ("ipv4", "198.51.100.23", "198.51.100.23"),
    ("ipv6", "2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
    ("domain", "Evil.Example.", "evil.example"),
    ("url", "HTTPS://Evil.Example/login?x=1", "https://evil.example/login?x=1"),
    ("email", "Phisher@Evil.Example", "Phisher@evil.example"),
    (
        "file_sha256",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    ("file_md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
    ("hostname", "WS-0042.corp.example", "ws-0042.corp.example"),
    ("user_account", "svc_backup", "svc_backup"),
    ("cve", "cve-2024-3094", "CVE-2024-3094"),
]
INVALID = [
    ("ipv4", "198.51.100.300"),
    ("ipv6", "2001:db8::g"),
    ("domain", "not a domain"),
    ("url", "evil.example/no-scheme"),
    ("email", "no-at-sign.example"),
    ("file_sha256", "abc"),
    ("file_md5", "z" * 32),
    ("hostname", "bad_host!"),
    ("user_account", "two words"),
    ("cve", "CVE-24-1"),
]


def _path(incident_id: int) -> str:
    return f"/api/v1/incidents/{incident_id}/observables"


@pytest.mark.parametrize(("kind", "raw", "stored"), VALID)
def test_each_type_is_validated_and_normalised(as_oict, kind, raw, stored):
    incident = make_incident()
    response = as_oict.post(_path(incident.id), json={"type": kind, "value": raw, "sighted_at": "2026-11-20T08:00:00Z"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["value"] == stored and body["type"] == kind and body["tlp"] == "TLP:AMBER"  # the incident's
    assert body["sighted_at"] == "2026-11-20T08:00:00Z"
    assert response.headers["Location"].endswith(f"/api/v1/observables/{body['id']}")


@pytest.mark.parametrize(("kind", "raw"), INVALID)
def test_an_invalid_value_is_422_naming_the_field(as_oict, kind, raw):
    incident = make_incident()
    response = as_oict.post(_path(incident.id), json={"type": kind, "value": raw})
    assert response.status_code == 422
    assert "value" in response.get_json()["error"]["details"]["fields"]
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Observable)).scalar_one() == 0


def test_unknown_type_and_bad_tlp_are_422(as_oict):
    incident = make_incident()
    bad = as_oict.post(_path(incident.id), json={"type": "asn", "value": "AS64500", "tlp": "TLP:WHITE"})
    assert bad.status_code == 422
    assert {"type", "tlp"} <= set(bad.get_json()["error"]["details"]["fields"])


def test_unique_per_incident_after_normalisation(as_oict):
    incident = make_incident()
    assert as_oict.post(_path(incident.id), json={"type": "domain", "value": "evil.example"}).status_code == 201
    again = as_oict.post(_path(incident.id), json={"type": "domain", "value": "EVIL.example."})
    assert again.status_code == 409 and "value" in again.get_json()["error"]["details"]["fields"]
    other = make_incident()
    assert as_oict.post(_path(other.id), json={"type": "domain", "value": "evil.example"}).status_code == 201


def test_detection_observables_are_hidden_from_dss(as_oict, as_dss):
    incident = make_incident(vectors=["digital"], effects=["personnel_harm_risk"])  # R2: DSS partner
    as_oict.post(_path(incident.id), json={"type": "ipv4", "value": "203.0.113.9", "detection": True})
    plain = as_oict.post(_path(incident.id), json={"type": "domain", "value": "lure.example"}).get_json()
    assert [o["id"] for o in as_dss.get(_path(incident.id)).get_json()["items"]] == [plain["id"]]
    assert len(as_oict.get(_path(incident.id)).get_json()["items"]) == 2
    refused = as_dss.post(_path(incident.id), json={"type": "ipv4", "value": "203.0.113.10", "detection": True})
    assert refused.status_code == 422 and "detection" in refused.get_json()["error"]["details"]["fields"]


def test_detection_indicators_become_detection_observables(as_oict, as_dss):
    response = as_oict.post(
        "/api/v1/incidents",
        json={
            "title": "Beacon",
            "severity": "high",
            "tlp": "TLP:AMBER",
            "vectors": ["digital"],
            "effects": ["personnel_harm_risk"],
            "deliberate": True,
            "detection": {"sensor": "edr-1", "rule": "beacon", "indicators": ["198.51.100.23", "free text note"]},
        },
    )
    incident_id = response.get_json()["id"]
    items = as_oict.get(_path(incident_id)).get_json()["items"]
    assert [(o["type"], o["value"], o["detection"]) for o in items] == [("ipv4", "198.51.100.23", True)]
    assert as_dss.get(_path(incident_id)).get_json()["items"] == []


def test_search_across_incidents_for_oict_and_managers(as_oict, as_manager, as_dss):
    first, second, elsewhere = make_incident(), make_incident(), make_incident()
    for incident in (first, second):
        as_oict.post(_path(incident.id), json={"type": "ipv6", "value": "2001:db8::23"})
    as_oict.post(_path(elsewhere.id), json={"type": "ipv4", "value": "198.51.100.24"})
    found = as_manager.get("/api/v1/observables?value=2001:DB8:0::23").get_json()
    assert found["total"] == 2
    assert {item["incident"]["id"] for item in found["items"]} == {first.id, second.id}
    assert as_oict.get("/api/v1/observables?value=2001:db8::23").get_json()["total"] == 2
    assert as_dss.get("/api/v1/observables?value=2001:db8::23").status_code == 403
    assert as_oict.get("/api/v1/observables").status_code == 422


def test_delete_is_audited(as_oict):
    incident = make_incident()
    created = as_oict.post(_path(incident.id), json={"type": "domain", "value": "evil.example"}).get_json()
    assert as_oict.delete(f"/api/v1/observables/{created['id']}").status_code == 204
    assert as_oict.get(_path(incident.id)).get_json()["items"] == []
    assert as_oict.delete(f"/api/v1/observables/{created['id']}").status_code == 404


def test_techniques_are_checked_against_attack_and_named(as_oict, as_manager):
    incident = make_incident()
    path = f"/api/v1/incidents/{incident.id}/techniques"
    response = as_oict.put(path, json={"techniques": ["t1566.001", "T1486", "T1566.001"]})
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(t["id"], t["name"]) for t in items] == [
        ("T1486", "Data Encrypted for Impact"),
        ("T1566.001", "Spearphishing Attachment"),
    ]
    assert items[1]["tactics"] == ["initial-access"]
    assert as_oict.get(path).get_json()["items"] == items
    bad = as_oict.put(path, json={"techniques": ["T9999", "phishing"]})
    assert bad.status_code == 422
    messages = " ".join(bad.get_json()["error"]["details"]["fields"]["techniques"])
    assert "phishing" in messages
    assert len(as_oict.get(path).get_json()["items"]) == 2  # unchanged
    unknown = as_oict.put(path, json={"techniques": ["T9999"]})
    assert unknown.status_code == 422 and "T9999" in unknown.get_json()["error"]["message"]
    tactics = as_manager.get("/api/v1/dashboard/tactics").get_json()["items"]
    assert {"tactic": "initial-access", "incidents": 1} in tactics and {"tactic": "impact", "incidents": 1} in tactics
    assert as_oict.get("/api/v1/dashboard/tactics").status_code == 403


def test_incident_list_filters_by_observable_and_technique(as_oict, as_dss):
    seen, other = make_incident(vectors=["digital"], effects=["personnel_harm_risk"]), make_incident()
    as_oict.post(_path(seen.id), json={"type": "ipv6", "value": "2001:db8::77"})
    as_oict.post(_path(other.id), json={"type": "domain", "value": "secret.example", "detection": True})
    as_oict.put(f"/api/v1/incidents/{seen.id}/techniques", json={"techniques": ["T1486"]})
    ids = lambda client, q: [i["id"] for i in client.get(f"/api/v1/incidents?{q}").get_json()["items"]]  # noqa: E731
    assert ids(as_oict, "observable=2001:DB8:0::77") == [seen.id]
    assert ids(as_oict, "technique=t1486") == [seen.id]
    assert ids(as_oict, "observable=secret.example") == [other.id]
    assert ids(as_dss, "observable=secret.example") == []  # a detection observable matches only for OICT
    assert as_oict.get("/api/v1/incidents?technique=phishing").status_code == 422
