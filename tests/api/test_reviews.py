"""/api/v1/incidents/{id}/review: the post-incident review, joint sign-off and voiding, and
findings turned into prevention actions through the action service (M1 applies)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, Review, ReviewFinding, TimelineEvent
from tests.factories import PHYSICAL_ONLY_FACTS, make_incident

URL = "/api/v1/incidents/{}/review"


def rows(model: Any) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def content(**extra: Any) -> dict[str, Any]:
    return {
        "summary": "Phishing led to a badge-system outage at Geneva HQ.",
        "key_moments": [{"at": "2026-11-20T08:00:00Z", "what": "First alert"}],
        "went_well": "OICT and DSS met within the hour.",
        "went_badly": "Badge logs were not kept.",
        "root_cause": "Unpatched badge controller.",
        "findings": [{"text": "Patch badge controllers monthly"}, {"text": "Keep badge logs 90 days"}],
        **extra,
    }


@pytest.fixture
def oict_mgr(login_as):
    return login_as("manager", "OICT", "mgr-oict")


@pytest.fixture
def dss_mgr(login_as):
    return login_as("manager", "DSS", "mgr-dss")


def test_a_review_not_started_is_prefilled_from_the_incident(as_oict):
    incident = make_incident()
    as_oict.post(f"/api/v1/incidents/{incident.id}/transitions", json={"to": "acknowledged"})
    body = as_oict.get(URL.format(incident.id)).get_json()
    assert body["status"] == "not_started" and body["findings"] == [] and body["revision"] == 0
    whats = [m["what"] for m in body["key_moments"]]
    assert any(w.startswith("Incident created") for w in whats)
    assert any(w.startswith("Routed") for w in whats) and "Acknowledged" in whats
    assert body["required"] is True and body["required_signoffs"] == ["OICT"] and body["joint"] is False


def test_put_creates_then_updates_with_audit_and_timeline(as_oict):
    incident = make_incident()
    first = as_oict.put(URL.format(incident.id), json=content())
    assert first.status_code == 201 and first.headers["Location"].endswith(f"/incidents/{incident.id}/review")
    body = first.get_json()
    assert body["status"] == "draft" and body["revision"] == 1
    assert [f["text"] for f in body["findings"]] == ["Patch badge controllers monthly", "Keep badge logs 90 days"]
    assert [m["what"] for m in body["key_moments"]] == ["First alert"]
    assert body["key_moments"][0]["at"].startswith("2026-11-20T08:00:00")
    keep = body["findings"][1]
    second = as_oict.put(URL.format(incident.id), json={"findings": [keep, {"text": "Train staff"}]})
    assert second.status_code == 200
    after = second.get_json()
    assert after["revision"] == 2 and after["findings"][0]["id"] == keep["id"]
    assert [f["text"] for f in after["findings"]] == ["Keep badge logs 90 days", "Train staff"]
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "review")).scalars()
    assert list(actions) == ["review.create", "review.update"]
    kinds = db.session.execute(select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident.id)).scalars()
    assert list(kinds).count("review") == 2


def test_bad_input_names_the_field_and_changes_nothing(as_oict):
    incident = make_incident()
    as_oict.put(URL.format(incident.id), json=content())
    before = (rows(Review), rows(ReviewFinding), rows(AuditEntry))
    cases = [
        ({"status": "signed"}, "status"),
        ({"joint": True}, "joint"),
        ({"colour": "red"}, "colour"),
        ({"key_moments": [{"at": "yesterday", "what": "x"}]}, "key_moments.0.at"),
        ({"key_moments": [{"at": "2026-11-20T08:00:00", "what": "naive"}]}, "key_moments.0.at"),
        ({"findings": [{"text": ""}]}, "findings.0.text"),
        ({"findings": [{"id": 999999, "text": "x"}]}, "findings.0.id"),
        ({"findings": [{"text": "x", "action_id": 5}]}, "findings.0.action_id"),
        ({"summary": 7}, "summary"),
    ]
    for payload, field in cases:
        response = as_oict.put(URL.format(incident.id), json=payload)
        assert response.status_code == 422, payload
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and field in error["details"]["fields"], (payload, error)
    assert (rows(Review), rows(ReviewFinding), rows(AuditEntry)) == before


def test_need_to_know_and_who_writes(as_oict, as_dss):
    cyber = make_incident()  # R1: OICT only; DSS takes no part
    assert as_dss.get(URL.format(cyber.id)).status_code == 404
    assert as_dss.put(URL.format(cyber.id), json=content()).status_code == 404
    hybrid = make_incident(hybrid=True)  # R3: DSS is a partner and writes too
    assert as_dss.put(URL.format(hybrid.id), json=content()).status_code == 201
    assert as_dss.get(URL.format(hybrid.id)).get_json()["may_edit"] is True


def test_an_informed_unit_reads_but_does_not_write(as_oict):
    informed = make_incident(**PHYSICAL_ONLY_FACTS)  # R4: DSS leads, OICT is informed
    assert informed.informed_units == ["OICT"]
    assert as_oict.get(URL.format(informed.id)).get_json()["may_edit"] is False
    response = as_oict.put(URL.format(informed.id), json=content())
    assert response.status_code == 403 and response.get_json()["error"]["details"]["rule"] == "review_author"
    assert rows(Review) == 0


def test_joint_review_needs_both_lead_units_managers_and_a_change_voids(as_oict, oict_mgr, dss_mgr, as_manager):
    incident = make_incident(hybrid=True)
    url = URL.format(incident.id)
    assert as_oict.post(url + "/signoffs", json={}).status_code == 404  # nothing to sign yet
    as_oict.put(url, json=content())
    assert as_oict.get(url).get_json()["required_signoffs"] == ["DSS", "OICT"]
    refused = as_oict.post(url + "/signoffs", json={})  # a responder, not a manager
    assert refused.status_code == 403 and refused.get_json()["error"]["details"]["rule"] == "signoff"
    unitless = as_manager.post(url + "/signoffs", json={})
    assert unitless.status_code == 403
    signed = oict_mgr.post(url + "/signoffs", json={"note": "for OICT"})
    assert signed.status_code == 201 and signed.get_json()["status"] == "draft"
    assert oict_mgr.post(url + "/signoffs", json={}).status_code == 409  # once per unit
    both = dss_mgr.post(url + "/signoffs", json={}).get_json()
    assert both["status"] == "signed" and {s["unit"] for s in both["signoffs"]} == {"OICT", "DSS"}
    assert all(s["username"] and s["at"] for s in both["signoffs"]) and both["signed_at"]
    unchanged = as_oict.put(url, json={"summary": both["summary"]}).get_json()
    assert unchanged["status"] == "signed"  # the same text is no change
    changed = as_oict.put(url, json={"root_cause": "Also: no asset inventory."}).get_json()
    assert changed["status"] == "draft" and changed["signoffs"] == [] and changed["signed_at"] is None
    voided = db.session.execute(select(AuditEntry).where(AuditEntry.action == "review.signoffs_voided")).scalar_one()
    assert sorted(voided.before["signed_by"]) == ["DSS", "OICT"]


def test_non_joint_review_is_signed_by_the_lead_units_manager(dss_mgr, oict_mgr, as_oict):
    incident = make_incident()  # R1, OICT leads
    url = URL.format(incident.id)
    as_oict.put(url, json=content())
    other = dss_mgr.post(url + "/signoffs", json={})  # managers see every incident; DSS is not asked
    assert other.status_code == 422 and other.get_json()["error"]["details"]["required_units"] == ["OICT"]
    response = oict_mgr.post(url + "/signoffs", json={})
    assert response.status_code == 201 and response.get_json()["status"] == "signed"


def test_an_empty_review_cannot_be_signed(as_oict, oict_mgr):
    incident = make_incident()
    as_oict.put(URL.format(incident.id), json={"went_well": "fast"})
    response = oict_mgr.post(URL.format(incident.id) + "/signoffs", json={})
    assert response.status_code == 422 and response.get_json()["error"]["details"]["rule"] == "signoff"


def _finding_id(client, incident_id: int, n: int = 0) -> int:
    return client.get(URL.format(incident_id)).get_json()["findings"][n]["id"]


def test_a_finding_becomes_a_tracked_prevention_action(as_oict, login_as):
    incident = make_incident()
    as_oict.put(URL.format(incident.id), json=content())
    fid = _finding_id(as_oict, incident.id)
    response = as_oict.post(
        f"{URL.format(incident.id)}/findings/{fid}/action",
        json={"owner_unit": "OICT", "assignee": "oict1", "due_at": "2027-01-15T12:00:00Z"},
    )
    assert response.status_code == 201
    action = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/actions/{action['id']}")
    assert action["phase"] == "prevention" and action["owner_unit"] == "OICT" and action["assignee"] == "oict1"
    assert action["incident_id"] == incident.id and action["title"] == "Patch badge controllers monthly"
    assert action["status"] == "open" and action["due_at"].startswith("2027-01-15T12:00:00")
    review = as_oict.get(URL.format(incident.id)).get_json()
    assert review["findings"][0]["action_id"] == action["id"] and review["findings"][0]["action_status"] == "open"
    again = as_oict.post(f"{URL.format(incident.id)}/findings/{fid}/action", json={"owner_unit": "OICT"})
    assert again.status_code == 409
    # tracked like any action: its lifecycle moves and the review shows it
    actions = f"/api/v1/actions/{action['id']}/transitions"
    assert as_oict.post(actions, json={"to": "in_progress"}).status_code == 200
    assert as_oict.post(actions, json={"to": "done", "evidence": "patched all 14"}).status_code == 200
    assert as_oict.get(URL.format(incident.id)).get_json()["findings"][0]["action_status"] == "done"
    listed = as_oict.get(f"/api/v1/actions?incident_id={incident.id}&status=done").get_json()["items"]
    assert [a["id"] for a in listed] == [action["id"]]


def test_m1_refuses_cyber_prevention_work_for_dss(as_oict):
    incident = make_incident(hybrid=True)  # a cyber component: findings default to cyber work
    as_oict.put(URL.format(incident.id), json=content())
    fid = _finding_id(as_oict, incident.id)
    before = (rows(Action), rows(AuditEntry))  # the playbooks' own actions included
    response = as_oict.post(f"{URL.format(incident.id)}/findings/{fid}/action", json={"owner_unit": "DSS"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "mandate_violation" and error["details"]["rule"] == "M1"
    assert (rows(Action), rows(AuditEntry)) == before
    assert as_oict.get(URL.format(incident.id)).get_json()["findings"][0]["action_id"] is None
    physical = as_oict.post(
        f"{URL.format(incident.id)}/findings/{fid}/action", json={"owner_unit": "DSS", "mandate": "physical_security"}
    )
    assert physical.status_code == 201 and physical.get_json()["owner_unit"] == "DSS"


def test_m1_applies_to_the_assignee(as_oict, as_dss):
    incident = make_incident()
    as_oict.put(URL.format(incident.id), json=content())
    fid = _finding_id(as_oict, incident.id)
    response = as_oict.post(
        f"{URL.format(incident.id)}/findings/{fid}/action", json={"owner_unit": "OICT", "assignee": "dss1"}
    )
    assert response.status_code == 422 and response.get_json()["error"]["details"]["rule"] == "M1"
    assert as_oict.get(URL.format(incident.id)).get_json()["findings"][0]["action_id"] is None


def test_finding_action_bad_input(as_dss):
    incident = make_incident(**PHYSICAL_ONLY_FACTS)  # DSS leads
    as_oict = as_dss
    as_oict.put(URL.format(incident.id), json=content())
    fid = _finding_id(as_oict, incident.id)
    before = rows(Action)
    url = f"{URL.format(incident.id)}/findings/{fid}/action"
    assert as_oict.post(url, json={}).get_json()["error"]["details"]["fields"].keys() == {"owner_unit"}
    unknown = as_oict.post(url, json={"owner_unit": "NOPE"})
    assert unknown.status_code == 422 and "owner_unit" in unknown.get_json()["error"]["details"]["fields"]
    assert as_oict.post(url, json={"owner_unit": "OICT", "due_at": "soon"}).status_code == 422
    missing = as_oict.post(f"{URL.format(incident.id)}/findings/999999/action", json={"owner_unit": "DSS"})
    assert missing.status_code == 404 and rows(Action) == before


def test_rerouting_to_joint_asks_for_the_second_signature(as_oict, oict_mgr):
    incident = make_incident()  # R1
    url = URL.format(incident.id)
    as_oict.put(url, json=content())
    assert oict_mgr.post(url + "/signoffs", json={}).get_json()["status"] == "signed"
    effects = ["programme_disruption", "premises_security_gap"]
    patch = as_oict.patch(f"/api/v1/incidents/{incident.id}", json={"effects": effects})
    assert patch.get_json()["routing"]["rule"] == "R3"
    body = as_oict.get(url).get_json()
    assert body["joint"] is True and body["status"] == "draft" and body["required_signoffs"] == ["DSS", "OICT"]


def test_unauthenticated_is_401(client):
    incident = make_incident()
    assert client.get(URL.format(incident.id)).status_code == 401


def test_dashboard_counts_pending_reviews_findings_and_time_to_review(as_oict, oict_mgr, as_manager):
    waiting = make_incident(severity="critical")
    reviewed = make_incident(severity="high")
    make_incident(severity="low")  # no review needed
    for incident in (waiting, reviewed):
        for status, note in (("acknowledged", ""), ("resolved", "fixed")):
            as_oict.post(f"/api/v1/incidents/{incident.id}/transitions", json={"to": status, "note": note})
    url = URL.format(reviewed.id)
    as_oict.put(url, json=content())
    findings = as_oict.get(url).get_json()["findings"]
    first = as_oict.post(f"{url}/findings/{findings[0]['id']}/action", json={"owner_unit": "OICT"}).get_json()
    as_oict.post(f"/api/v1/actions/{first['id']}/transitions", json={"to": "in_progress"})
    as_oict.post(f"/api/v1/actions/{first['id']}/transitions", json={"to": "done", "evidence": "done"})
    before = as_manager.get("/api/v1/dashboard").get_json()["reviews"]
    assert before["pending"] == 2 and before["median_time_resolve_to_review_seconds"] is None
    assert before["findings"] == {"open": 0, "done": 1, "untracked": 1, "cancelled": 0}
    oict_mgr.post(url + "/signoffs", json={})
    after = as_manager.get("/api/v1/dashboard").get_json()["reviews"]
    assert after["pending"] == 1 and after["median_time_resolve_to_review_seconds"] is not None
    assert as_manager.get("/api/v1/dashboard?unit=DSS").get_json()["reviews"]["pending"] == 0
