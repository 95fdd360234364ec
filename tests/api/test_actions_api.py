"""Playbook instantiation on incidents and the actions API: filters, overdue, PATCH under M1,
lifecycle, need to know."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, TimelineEvent
from incident_hub.services.incidents.commands import update_incident
from tests.factories import SYSTEM, make_incident

DDOS = {"vectors": ["digital"], "effects": ["service_outage"], "deliberate": True}
THREAT = {"vectors": ["physical"], "effects": ["personnel_harm_risk"], "deliberate": True}


def actions_of(incident_id: int) -> list[Action]:
    return list(db.session.execute(select(Action).where(Action.incident_id == incident_id)).scalars())


def test_hybrid_incident_gets_its_playbook_actions_once(app):
    incident = make_incident(hybrid=True, severity="critical")
    actions = actions_of(incident.id)
    steps = {a.source_step for a in actions}
    assert {"isolate-acs-network", "post-guards", "joint-assessment"} <= steps
    assert all(a.owner_unit == "OICT" for a in actions if a.mandate == "cyber")
    assert all(a.due_at > a.created_at for a in actions)
    kinds = db.session.execute(select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident.id)).scalars()
    assert "playbook_applied" in list(kinds)
    # Reclassification (and a retry of the same facts) never duplicates.
    update_incident(
        SYSTEM, incident.id, {"effects": ["programme_disruption", "premises_security_gap", "service_outage"]}
    )
    update_incident(SYSTEM, incident.id, {"effects": ["programme_disruption", "premises_security_gap"]})
    assert len(actions_of(incident.id)) == len(actions)


def test_reclassification_adds_newly_matching_playbooks(app):
    incident = make_incident(severity="high", **DDOS)
    before = {a.source_step for a in actions_of(incident.id)}
    assert "enable-mitigation" in before
    update_incident(SYSTEM, incident.id, {"effects": ["service_outage", "data_compromise", "premises_security_gap"]})
    after = {a.source_step for a in actions_of(incident.id)}
    assert "contain-spread" in after and before <= after


def test_list_filters_and_overdue(app, as_oict):
    incident = make_incident(severity="high", **DDOS)
    body = as_oict.get(f"/api/v1/actions?incident_id={incident.id}&per_page=2").get_json()
    assert body["total"] == 5 and len(body["items"]) == 2 and body["items"][0]["overdue"] is False
    action = actions_of(incident.id)[0]
    action.due_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    overdue = as_oict.get("/api/v1/actions?overdue=true").get_json()
    assert [a["id"] for a in overdue["items"]] == [action.id] and overdue["items"][0]["overdue"] is True
    assert as_oict.get("/api/v1/actions?overdue=false").get_json()["total"] == 4
    assert as_oict.get("/api/v1/actions?status=done").get_json()["total"] == 0
    assert as_oict.get("/api/v1/actions?owner_unit=DSS").get_json()["total"] == 0
    assert as_oict.get("/api/v1/actions?status=weird").status_code == 422


def test_dss_sees_only_actions_of_incidents_it_may_see(app, as_dss, as_oict):
    cyber = make_incident(severity="high", **DDOS)
    threat = make_incident(severity="high", **THREAT)
    cyber_action = actions_of(cyber.id)[0]
    ids = {a["incident_id"] for a in as_dss.get("/api/v1/actions?per_page=500").get_json()["items"]}
    assert ids == {threat.id}
    assert as_dss.get(f"/api/v1/actions/{cyber_action.id}").status_code == 404
    assert as_dss.post(f"/api/v1/actions/{cyber_action.id}/transitions", json={"to": "in_progress"}).status_code == 404
    assert as_oict.get(f"/api/v1/actions/{cyber_action.id}").status_code == 200


def test_patch_owner_unit_obeys_m1(app, as_manager):
    incident = make_incident(hybrid=True, severity="critical")
    cyber = next(a for a in actions_of(incident.id) if a.mandate == "cyber")
    r = as_manager.patch(f"/api/v1/actions/{cyber.id}", json={"owner_unit": "DSS"})
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "mandate_violation" and r.get_json()["error"]["details"]["rule"] == "M1"
    db.session.expire_all()
    assert db.session.get(Action, cyber.id).owner_unit == "OICT"
    assert as_manager.patch(f"/api/v1/actions/{cyber.id}", json={"owner_unit": "NOPE"}).status_code == 422


def test_patch_assignee_due_and_title(app, as_manager, as_dss):
    incident = make_incident(hybrid=True, severity="critical")
    cyber = next(a for a in actions_of(incident.id) if a.mandate == "cyber")
    r = as_manager.patch(f"/api/v1/actions/{cyber.id}", json={"assignee": "dss1"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "mandate_violation"
    due = "2030-01-01T00:00:00Z"
    r = as_manager.patch(
        f"/api/v1/actions/{cyber.id}",
        json={"assignee": "manager1", "due_at": due, "title": "New", "reason": "vendor slot"},
    )
    body = r.get_json()
    assert r.status_code == 200 and body["assignee"] == "manager1" and body["due_at"].startswith("2030-01-01T00:00:00")
    assert body["title"] == "New"
    assert as_manager.patch(f"/api/v1/actions/{cyber.id}", json={"status": "done"}).status_code == 422
    assert as_manager.patch(f"/api/v1/actions/{cyber.id}", json={"assignee": "ghost"}).status_code == 422
    assert as_dss.patch(f"/api/v1/actions/{cyber.id}", json={"title": "mine"}).status_code == 403


def test_lifecycle_evidence_reason_and_conflicts(app, as_oict):
    incident = make_incident(severity="high", **DDOS)
    action = actions_of(incident.id)[0]
    url = f"/api/v1/actions/{action.id}/transitions"
    assert as_oict.post(url, json={"to": "done", "evidence": "x"}).status_code == 409
    assert as_oict.post(url, json={"to": "in_progress"}).status_code == 200
    r = as_oict.post(url, json={"to": "blocked"})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["details"]["fields"]
    r = as_oict.post(url, json={"to": "blocked", "reason": "waiting for the ISP"})
    assert r.status_code == 200 and r.get_json()["status"] == "blocked"
    assert as_oict.post(url, json={"to": "in_progress"}).status_code == 200
    r = as_oict.post(url, json={"to": "done"})
    assert r.status_code == 422 and "evidence" in r.get_json()["error"]["details"]["fields"]
    r = as_oict.post(url, json={"to": "done", "evidence": "Scrubbing active, ticket 42"})
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "done" and body["completed_at"] and body["evidence"]
    r = as_oict.post(url, json={"to": "in_progress"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_transition"
    audits = db.session.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "action.transition")
    ).scalar_one()
    assert audits == 4
    events = db.session.execute(
        select(TimelineEvent.body).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "action_status"
        )
    ).scalars()
    assert any("waiting for the ISP" in body for body in events)


def test_unknown_action_is_404(app, as_oict):
    r = as_oict.get("/api/v1/actions/999")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
