"""Playbooks on an incident (API.md "Incidents"): matched and why, applied by hand once (M1),
detached with a reason (its open actions cancelled; rerouting does not bring it back)."""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Action, Playbook
from tests.api.incident_helpers import counts, error
from tests.factories import make_incident

URL = "/api/v1/incidents"


def _by_key(client, iid):
    items = client.get(f"{URL}/{iid}/playbooks").get_json()["items"]
    return {x["key"]: x for x in items}


def _actions(iid, key):
    db.session.rollback()
    q = select(Action.status, Action.cancel_reason).join(Playbook, Playbook.id == Action.playbook_id)
    return list(db.session.execute(q.where(Action.incident_id == iid, Playbook.key == key)).all())


def test_matched_playbooks_say_why(as_oict):
    iid = make_incident(severity="high").id  # digital + service outage: the DDoS playbook
    found = _by_key(as_oict, iid)
    ddos = found["ddos-public-service"]
    assert ddos["matches"] and ddos["applied"] and ddos["how"] == "matched" and ddos["actions"] > 0
    assert all(c["met"] for c in ddos["criteria"])
    hybrid = found["hybrid-access-control"]
    assert not hybrid["matches"] and not hybrid["applied"]
    assert [c["name"] for c in hybrid["criteria"] if not c["met"]]  # says which criterion failed


def test_apply_by_hand_once_by_the_lead_unit(as_oict, as_dss):
    iid = make_incident(severity="high").id
    pid = _by_key(as_oict, iid)["hybrid-access-control"]["playbook_id"]
    before = counts()
    error(as_dss.post(f"{URL}/{iid}/playbooks", json={"playbook_id": pid}), 404, "not_found")  # DSS not a party
    assert counts() == before
    answer = as_oict.post(f"{URL}/{iid}/playbooks", json={"playbook_id": pid})
    assert answer.status_code == 201 and answer.get_json()["action_ids"]
    assert _by_key(as_oict, iid)["hybrid-access-control"]["how"] == "manual"
    before = counts()
    error(as_oict.post(f"{URL}/{iid}/playbooks", json={"playbook_id": pid}), 409, "conflict")
    assert counts() == before


def test_detach_cancels_open_actions_and_sticks(as_oict):
    iid = make_incident(severity="high").id
    pid = _by_key(as_oict, iid)["ddos-public-service"]["playbook_id"]
    error(as_oict.delete(f"{URL}/{iid}/playbooks/{pid}", json={}), 422, "validation_error")
    answer = as_oict.delete(f"{URL}/{iid}/playbooks/{pid}", json={"reason": "Not a DDoS: a misconfigured CDN."})
    assert answer.status_code == 204
    rows = _actions(iid, "ddos-public-service")
    assert rows and all(s == "cancelled" and r == "Not a DDoS: a misconfigured CDN." for s, r in rows)
    view = _by_key(as_oict, iid)["ddos-public-service"]
    assert view["detach_reason"] == "Not a DDoS: a misconfigured CDN." and not view["applied"]
    # New facts re-run routing and playbooks: the detached one is not applied again.
    as_oict.patch(f"{URL}/{iid}", json={"effects": ["service_outage", "data_compromise"]})
    assert len(_actions(iid, "ddos-public-service")) == len(rows)
    error(as_oict.delete(f"{URL}/{iid}/playbooks/{pid}", json={"reason": "again"}), 409, "conflict")
