"""Issue 11, the need-to-know leak found from outside, (a) and (b), reproduced as the issue tells them.

An action is seen by exactly those who may see its incident (or its assessment when it has none);
work is given only to units that take part in the incident; a re-route that removes a unit cancels
that unit's open actions on the incident, with a system reason on the timeline and in the audit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, Measure, TimelineEvent
from tests.api.incident_helpers import URL, create, error
from tests.assessment_factories import PREFIX, add_threat, create_assessment
from tests.web.data import make_action
from tests.web.support import login

# R3 whose facts match both hybrid playbooks: six DSS actions, as in the report.
R3_FACTS = {
    "vectors": ["digital", "physical_on_it"],
    "effects": ["programme_disruption", "premises_security_gap"],
    "deliberate": True,
}
R1_FACTS = {"vectors": ["digital"], "effects": ["service_outage"]}


def _actions(incident_id: int, owner: str) -> list[Action]:
    db.session.expire_all()
    q = select(Action).where(Action.incident_id == incident_id, Action.owner_unit == owner).order_by(Action.id)
    return list(db.session.execute(q).scalars())


def _count(model: Any, *where: Any) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _legacy_action(owner: str, incident_id: int | None, assessment_id: int | None = None) -> int:
    """An open action as stored before the fix (no service would write it now)."""
    now = utcnow()
    values = {
        "title": f"Legacy {owner} work {incident_id}/{assessment_id}",
        "description": "",
        "phase": "mitigation",
        "owner_unit": owner,
        "status": "open",
        "evidence": "",
        "blocked_reason": "",
        "incident_id": incident_id,
        "assessment_id": assessment_id,
        "created_at": now,
        "updated_at": now,
    }
    action_id = db.session.execute(insert(Action).values(**values).returning(Action.id)).scalar_one()
    db.session.commit()
    return action_id


def _assert_hidden_from_dss(app: Any, as_dss: Any, incident_id: int, action_ids: list[int]) -> None:
    """DSS's API, home page and board know nothing of these actions, and DSS cannot move them."""
    listed = {a["id"] for a in as_dss.get("/api/v1/actions?per_page=500").get_json()["items"]}
    assert not listed & set(action_ids)
    timeline_rows = _count(TimelineEvent)
    for action_id in action_ids:
        error(as_dss.get(f"/api/v1/actions/{action_id}"), 404, "not_found")
        error(as_dss.post(f"/api/v1/actions/{action_id}/transitions", json={"to": "in_progress"}), 404, "not_found")
        error(as_dss.patch(f"/api/v1/actions/{action_id}", json={"title": "x"}), 404, "not_found")
    assert _count(TimelineEvent) == timeline_rows  # nothing written onto the hidden incident
    browser = login(app, "dss_officer", "DSS", "ntk-dss-web")
    for page in ("/", "/actions", "/actions?mine=1"):
        html = browser.text(page)
        assert f"/incidents/{incident_id}" not in html, page
        assert not any(f'id="action-{i}"' in html for i in action_ids), page
    for action_id in action_ids:
        data = {f"a{action_id}-to": "in_progress"}
        assert browser.post(f"/actions/{action_id}/transition", data, csrf_page="/actions").status_code == 404
    assert _count(TimelineEvent) == timeline_rows


def test_a_rerouting_r3_to_r1_cancels_dss_actions_and_hides_them_from_dss(app, as_oict, as_dss):
    incident = create(as_oict, "R3", **R3_FACTS)
    assert incident["routing"]["rule"] == "R3" and incident["routing"]["partner_units"] == ["DSS"]
    dss_work = _actions(incident["id"], "DSS")
    assert len(dss_work) == 6 and {a.status for a in dss_work} == {"open"}
    assert as_dss.get(f"/api/v1/actions/{dss_work[0].id}").status_code == 200
    oict_open = {a.id for a in _actions(incident["id"], "OICT") if a.status == "open"}

    r = as_oict.patch(f"{URL}/{incident['id']}", json=R1_FACTS)
    assert r.status_code == 200 and r.get_json()["routing"]["rule"] == "R1"
    assert r.get_json()["routing"]["partner_units"] == []

    ids = [a.id for a in dss_work]
    assert {a.status for a in _actions(incident["id"], "DSS")} == {"cancelled"}
    assert oict_open <= {a.id for a in _actions(incident["id"], "OICT") if a.status == "open"}  # OICT's work stays
    # The system's reason, on the timeline (OICT reads it) and in the audit trail.
    events = as_oict.get(f"{URL}/{incident['id']}/timeline").get_json()
    events = events["items"] if isinstance(events, dict) else events
    cancels = [e for e in events if e["kind"] == "action_status" and "cancelled" in e["body"]]
    assert len(cancels) == 6
    assert all("re-routing R3 → R1 removed unit DSS" in e["body"] for e in cancels)
    db.session.rollback()
    audit = list(db.session.execute(select(AuditEntry).where(AuditEntry.action == "action.cancel")).scalars())
    assert sorted(int(e.object_id) for e in audit) == sorted(ids)
    assert all(
        e.after["status"] == "cancelled" and "given only to the units that take part" in e.after["reason"]
        for e in audit
    )
    assert all(e.actor == as_oict.user.username for e in audit)
    # In the same unit of work as the re-route: between its reroute and update entries.
    reroute_seq = db.session.execute(select(AuditEntry.seq).where(AuditEntry.action == "incident.reroute")).scalar_one()
    update_seq = max(db.session.execute(select(AuditEntry.seq).where(AuditEntry.action == "incident.update")).scalars())
    assert all(reroute_seq < e.seq < update_seq for e in audit)

    error(as_dss.get(f"{URL}/{incident['id']}"), 404, "not_found")
    _assert_hidden_from_dss(app, as_dss, incident["id"], ids)


def test_a_open_work_left_on_a_hidden_incident_by_older_versions_stays_hidden(app, as_oict, as_dss):
    incident = create(as_oict, "R1", **R1_FACTS)
    legacy = _legacy_action("DSS", incident["id"])
    assert as_oict.get(f"/api/v1/actions/{legacy}").status_code == 200
    _assert_hidden_from_dss(app, as_dss, incident["id"], [legacy])


def test_b_a_measure_tracked_for_a_unit_outside_the_incident_is_refused(as_oict, as_dss):
    incident = create(as_oict, "R1", **R1_FACTS)
    a = create_assessment(as_oict, incident_id=incident["id"], subject="")
    t = add_threat(as_oict, a["id"], domain="physical", title="Server room door forced")
    url = f"{PREFIX}/{a['id']}/threats/{t['id']}/measures"
    before = _count(Action), _count(Measure), _count(AuditEntry), _count(TimelineEvent)
    body = {"kind": "mitigation", "description": "Guard the door", "owner_unit": "DSS", "track_as_action": True}
    payload = error(as_oict.post(url, json=body), 422, "rule_violation")
    assert payload["details"]["rule"] == "need_to_know" and payload["details"]["unit"] == "DSS"
    assert "owner_unit" in payload["details"]["fields"]
    assert (_count(Action), _count(Measure), _count(AuditEntry), _count(TimelineEvent)) == before
    error(as_dss.get(f"{PREFIX}/{a['id']}"), 404, "not_found")
    assert as_dss.get("/api/v1/actions?per_page=500").get_json()["total"] == 0
    # The same measure for the lead unit is tracked.
    ok = as_oict.post(url, json={**body, "owner_unit": "OICT"})
    assert ok.status_code == 201 and ok.get_json()["action_id"]


def test_b_an_action_of_a_hidden_assessment_answers_404_like_the_assessment(as_oict, as_dss):
    incident = create(as_oict, "R1", **R1_FACTS)
    a = create_assessment(as_oict, incident_id=incident["id"], subject="")
    on_both = _legacy_action("DSS", incident["id"], a["id"])
    on_assessment = _legacy_action("DSS", None, a["id"])  # no incident: its assessment decides
    error(as_dss.get(f"{PREFIX}/{a['id']}"), 404, "not_found")
    for action_id in (on_both, on_assessment):
        error(as_dss.get(f"/api/v1/actions/{action_id}"), 404, "not_found")
        assert as_oict.get(f"/api/v1/actions/{action_id}").status_code == 200
    # A subject-only assessment (prevention on premises) is seen by all, and so are its actions.
    subject = create_assessment(as_oict)
    open_work = _legacy_action("OICT", None, subject["id"])
    assert as_dss.get(f"{PREFIX}/{subject['id']}").status_code == 200
    assert as_dss.get(f"/api/v1/actions/{open_work}").status_code == 200


def test_tracking_for_an_informed_unit_is_allowed(as_oict, as_dss):
    incident = create(as_dss, "R4")  # DSS leads, OICT informed: both take part
    a = create_assessment(as_dss, incident_id=incident["id"], subject="")
    t = add_threat(as_dss, a["id"], domain="physical")
    body = {"kind": "prevention", "description": "Check CCTV uplink", "owner_unit": "OICT", "track_as_action": True}
    r = as_dss.post(f"{PREFIX}/{a['id']}/threats/{t['id']}/measures", json=body)
    assert r.status_code == 201, r.get_json()


def test_patch_owner_unit_to_a_unit_outside_the_incident_is_refused(as_oict, as_manager):
    incident = create(as_oict, "R1", **R1_FACTS)
    action = make_action(incident["id"], "OICT", title="Write the customer notice")
    before = _count(AuditEntry)
    payload = error(as_manager.patch(f"/api/v1/actions/{action.id}", json={"owner_unit": "DSS"}), 422, "rule_violation")
    assert payload["details"]["rule"] == "need_to_know"
    assert _count(AuditEntry) == before and _actions(incident["id"], "OICT")[-1].owner_unit == "OICT"
    r3 = create(as_oict, "R3")
    shared = make_action(r3["id"], "OICT", title="Brief the guards")
    assert as_manager.patch(f"/api/v1/actions/{shared.id}", json={"owner_unit": "DSS"}).status_code == 200
