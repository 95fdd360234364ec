"""POST /incidents/{id}/transitions and the timeline (API.md "Incidents", "Vocabulary")."""

from __future__ import annotations

import pytest

from incident_hub.domain.lifecycle import INCIDENT_STATUSES, INCIDENT_TRANSITIONS
from tests.api.incident_helpers import URL, audits, counts, create, error

# The shortest way from `new` to each status, through the API.
PATH_TO = {
    "new": [],
    "acknowledged": ["acknowledged"],
    "contained": ["acknowledged", "contained"],
    "resolved": ["acknowledged", "resolved"],
    "closed": ["acknowledged", "resolved", "closed"],
}
STAMP = {"acknowledged": "acknowledged_at", "contained": "contained_at", "resolved": "resolved_at"}
PAIRS = [(a, b) for a in INCIDENT_STATUSES for b in INCIDENT_STATUSES]


def move(client, incident_id, to, note=""):
    return client.post(f"{URL}/{incident_id}/transitions", json={"to": to, "note": note})


def at_status(client, status):
    incident = create(client, "R1", severity="medium")  # no post-incident review needed to close
    for step in PATH_TO[status]:
        assert move(client, incident["id"], step).status_code == 200
    return incident["id"]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_each_transition_allowed_or_refused(as_oict, current, target):
    incident_id = at_status(as_oict, current)
    if target in INCIDENT_TRANSITIONS[current]:
        response = move(as_oict, incident_id, target, "why")
        assert response.status_code == 200
        body = response.get_json()
        assert body["status"] == target
        if target in STAMP:
            assert body[STAMP[target]] is not None
        if (current, target) == ("resolved", "acknowledged"):
            assert body["resolved_at"] is None  # reopened
        [*_, entry] = audits(incident_id, "incident.transition")
        assert entry.before == {"status": current} and entry.after == {"status": target, "note": "why"}
    else:
        before = counts()
        payload = error(move(as_oict, incident_id, target), 409, "invalid_transition")
        assert payload["details"]["from"] == current and payload["details"]["to"] == target
        assert counts() == before


def test_transition_validation(as_oict):
    incident_id = at_status(as_oict, "new")
    before = counts()
    for payload, field in [({"to": "done"}, "to"), ({}, "to"), ({"to": "acknowledged", "x": 1}, "x")]:
        body = error(as_oict.post(f"{URL}/{incident_id}/transitions", json=payload), 422, "validation_error")
        assert field in body["details"]["fields"]
    assert counts() == before
    error(move(as_oict, 424242, "acknowledged"), 404, "not_found")


def test_timeline_records_events_oldest_first_and_comments(as_oict, as_dss):
    incident = create(as_oict, "R4")
    iid = incident["id"]
    as_oict.patch(f"{URL}/{iid}", json={"vectors": ["digital", "physical"]})
    move(as_oict, iid, "acknowledged", "on it")
    response = as_dss.post(f"{URL}/{iid}/timeline", json={"body": "Guards posted at building S."})
    assert response.status_code == 201
    comment = response.get_json()
    assert as_dss.get(response.headers["Location"]).get_json() == comment
    assert audits(iid, "incident.comment")[0].after == {"event_id": comment["id"]}
    every = as_oict.get(f"{URL}/{iid}/timeline").get_json()["items"]
    assert [e["id"] for e in every] == sorted(e["id"] for e in every)  # oldest first
    items = [e for e in every if e["kind"] in ("created", "routed", "rerouted", "status", "comment")]
    assert [e["kind"] for e in items] == ["created", "routed", "rerouted", "status", "comment"]
    assert items[3]["body"] == "on it" and items[3]["data"] == {"from": "new", "to": "acknowledged"}
    assert (items[4]["actor"], items[4]["body"]) == ("dss1", "Guards posted at building S.")
    assert items[0]["at"].endswith("Z")


def test_comment_validation_and_need_to_know(as_oict, as_dss):
    incident = create(as_oict, "R1")
    before = counts()
    error(as_oict.post(f"{URL}/{incident['id']}/timeline", json={"body": ""}), 422, "validation_error")
    error(as_oict.post(f"{URL}/{incident['id']}/timeline", json={"body": 5}), 422, "validation_error")
    error(as_dss.post(f"{URL}/{incident['id']}/timeline", json={"body": "hi"}), 404, "not_found")
    error(as_dss.get(f"{URL}/{incident['id']}/timeline"), 404, "not_found")
    assert counts() == before


def test_dss_partner_may_not_move_an_oict_led_incident(as_oict, as_dss):
    incident = create(as_oict, "R3")
    before = counts()
    error(move(as_dss, incident["id"], "acknowledged"), 403, "forbidden")
    assert counts() == before
    physical = create(as_dss, "R4")
    assert move(as_dss, physical["id"], "acknowledged").status_code == 200
