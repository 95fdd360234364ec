"""Closing, resolving and reopening through the API (DOMAIN.md "Closing"; domain/closure.py)."""

from __future__ import annotations

from tests.api.incident_helpers import URL, audits, counts, create, error
from tests.api.test_incidents_lifecycle import finish_actions, move
from tests.web.assess_data import add_threat_with_measure, joint_assessment_of
from tests.web.data import make_action


def resolved(client, rule="R1"):
    incident = create(
        client, rule, severity="medium"
    )  # no post-incident review needed (tests/api/test_review_closure.py)
    assert move(client, incident["id"], "acknowledged").status_code == 200
    assert move(client, incident["id"], "resolved", "Host reimaged.").status_code == 200
    return incident["id"]


def test_resolving_asks_for_a_resolution_note(as_oict):
    iid = create(as_oict, "R1", severity="medium")["id"]
    move(as_oict, iid, "acknowledged")
    before = counts()
    payload = error(as_oict.post(f"{URL}/{iid}/transitions", json={"to": "resolved"}), 422, "validation_error")
    assert "note" in payload["details"]["fields"]
    assert counts() == before
    body = move(as_oict, iid, "resolved", "Reimaged the host; credentials rotated.").get_json()
    assert body["status"] == "resolved" and body["resolution_note"] == "Reimaged the host; credentials rotated."


def test_close_refused_while_actions_are_open_listing_them(as_oict):
    iid = resolved(as_oict)
    make_action(iid, "OICT", title="Rotate credentials")
    make_action(iid, "OICT", title="Reimage hosts")
    actions = as_oict.get(f"/api/v1/actions?incident_id={iid}").get_json()["items"]
    first = actions[0]["id"]
    as_oict.post(f"/api/v1/actions/{first}/transitions", json={"to": "blocked", "reason": "waiting for vendor"})
    before = counts()
    payload = error(move(as_oict, iid, "closed"), 422, "rule_violation")
    assert payload["details"]["rule"] == "closure"
    [blocker] = payload["details"]["open"]
    assert blocker["check"] == "actions_open"
    listed = {item["id"]: item["status"] for item in blocker["items"]}
    assert listed == {a["id"]: ("blocked" if a["id"] == first else a["status"]) for a in actions}
    assert counts() == before
    # A responder may not override; the refusal changes nothing either.
    error(move(as_oict, iid, "closed", override_reason="good enough"), 403, "forbidden")
    assert counts() == before
    finish_actions(as_oict, iid)
    assert move(as_oict, iid, "closed").get_json()["status"] == "closed"


def test_manager_closes_anyway_with_a_written_reason(as_oict, as_manager):
    iid = resolved(as_oict)
    make_action(iid, "OICT", title="Rotate credentials")
    response = move(as_manager, iid, "closed", override_reason="Remaining work handed to the host country.")
    assert response.status_code == 200
    body = response.get_json()
    assert (
        body["status"] == "closed" and body["closure_override_reason"] == "Remaining work handed to the host country."
    )
    [*_, entry] = audits(iid, "incident.transition")
    assert entry.actor == "manager1" and entry.after["override_reason"] == body["closure_override_reason"]
    timeline = as_oict.get(f"{URL}/{iid}/timeline").get_json()["items"]
    assert "handed to the host country" in timeline[-1]["body"]


def test_required_joint_assessment_must_be_signed(as_oict, as_dss, as_manager):
    iid = resolved(as_oict, "R3")
    finish_actions(as_manager, iid)  # OICT's and DSS's actions: each unit works only its own
    payload = error(move(as_oict, iid, "closed"), 422, "rule_violation")
    assert [b["check"] for b in payload["details"]["open"]] == ["joint_assessment_unsigned"]
    assessment = joint_assessment_of(iid)
    add_threat_with_measure(assessment.id)
    for client in (as_oict, as_dss):
        answer = client.post(f"/api/v1/assessments/{assessment.id}/signoffs", json={})
        assert answer.status_code in (200, 201), answer.get_json()
    assert move(as_oict, iid, "closed").get_json()["status"] == "closed"


def test_closed_incident_is_frozen_and_reopened_only_by_a_manager_with_a_reason(as_oict, as_manager):
    iid = resolved(as_oict)
    finish_actions(as_oict, iid)
    move(as_oict, iid, "closed")
    before = counts()
    error(as_oict.patch(f"{URL}/{iid}", json={"title": "Renamed"}), 409, "conflict")
    error(move(as_oict, iid, "acknowledged", reason="new evidence"), 403, "forbidden")
    payload = error(move(as_manager, iid, "acknowledged"), 422, "validation_error")
    assert "reason" in payload["details"]["fields"]
    assert counts() == before
    body = move(as_manager, iid, "acknowledged", reason="The attacker came back.").get_json()
    assert body["status"] == "acknowledged" and body["closed_at"] is None and body["resolved_at"] is None
    [*_, entry] = audits(iid, "incident.transition")
    assert entry.before == {"status": "closed"} and entry.after["reason"] == "The attacker came back."
    assert as_oict.patch(f"{URL}/{iid}", json={"title": "Renamed"}).status_code == 200
