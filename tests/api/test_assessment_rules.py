"""Assessment rules over HTTP: M1 on every path, joint sign-off with voiding, need to know for DSS."""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, TimelineEvent
from tests.assessment_factories import PREFIX, add_measure, add_threat, create_assessment
from tests.factories import make_incident


def assert_m1(response) -> None:
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "mandate_violation" and error["details"]["rule"] == "M1"


def joint_assessment(client) -> tuple[object, dict]:
    """A hybrid (R3) incident and its automatic joint assessment."""
    incident = make_incident(hybrid=True)
    items = client.get(f"{PREFIX}?incident_id={incident.id}").get_json()["items"]
    assert len(items) == 1 and items[0]["joint"] and items[0]["auto_created"]
    return incident, items[0]


# --- M1 ---------------------------------------------------------------------------------------


def test_dss_cannot_add_a_cyber_threat(as_dss):
    _, a = joint_assessment(as_dss)
    response = as_dss.post(
        f"{PREFIX}/{a['id']}/threats", json={"title": "Phishing", "domain": "cyber", "likelihood": 3, "impact": 3}
    )
    assert_m1(response)
    assert as_dss.get(f"{PREFIX}/{a['id']}").get_json()["threats"] == []
    # A physical threat is DSS's own work.
    assert add_threat(as_dss, a["id"])["domain"] == "physical"


def test_dss_cannot_edit_or_delete_a_cyber_threat_nor_its_measures(as_oict, as_dss):
    _, a = joint_assessment(as_oict)
    t = add_threat(as_oict, a["id"], domain="cyber", title="Ransomware", likelihood=4, impact=4)
    m = add_measure(as_oict, a["id"], t["id"], owner_unit="OICT")
    url = f"{PREFIX}/{a['id']}/threats/{t['id']}"
    assert_m1(as_dss.patch(url, json={"likelihood": 1}))
    assert_m1(as_dss.patch(url, json={"title": "Renamed"}))
    assert_m1(as_dss.delete(url))
    assert_m1(as_dss.post(f"{url}/measures", json={"kind": "prevention", "description": "d", "owner_unit": "DSS"}))
    assert_m1(as_dss.patch(f"{url}/measures/{m['id']}", json={"description": "x"}))
    assert_m1(as_dss.delete(f"{url}/measures/{m['id']}"))
    full = as_oict.get(url).get_json()
    assert (full["title"], full["likelihood"], len(full["measures"])) == ("Ransomware", 4, 1)


def test_dss_cannot_turn_a_physical_threat_into_a_cyber_one(as_dss):
    _, a = joint_assessment(as_dss)
    t = add_threat(as_dss, a["id"])
    assert_m1(as_dss.patch(f"{PREFIX}/{a['id']}/threats/{t['id']}", json={"domain": "cyber"}))
    assert as_dss.get(f"{PREFIX}/{a['id']}/threats/{t['id']}").get_json()["domain"] == "physical"


def test_a_dss_manager_is_bound_by_m1_a_unitless_manager_is_not(login_as, as_manager):
    _, a = joint_assessment(as_manager)
    dss_manager = login_as("manager", "DSS", "dss-boss")
    body = {"title": "Phishing", "domain": "cyber", "likelihood": 2, "impact": 2}
    assert_m1(dss_manager.post(f"{PREFIX}/{a['id']}/threats", json=body))
    assert as_manager.post(f"{PREFIX}/{a['id']}/threats", json=body).status_code == 201


def test_a_cyber_measure_cannot_be_owned_by_a_unit_without_cyber(as_oict):
    _, a = joint_assessment(as_oict)
    t = add_threat(as_oict, a["id"], domain="cyber", title="Intrusion")
    url = f"{PREFIX}/{a['id']}/threats/{t['id']}/measures"
    body = {"kind": "mitigation", "description": "Patch", "owner_unit": "DSS", "track_as_action": True}
    assert_m1(as_oict.post(url, json=body))
    assert db.session.execute(select(Action).where(Action.assessment_id.is_not(None))).first() is None
    m = add_measure(as_oict, a["id"], t["id"], owner_unit="OICT")
    assert_m1(as_oict.patch(f"{url}/{m['id']}", json={"owner_unit": "DSS"}))
    assert as_oict.get(f"{url}/{m['id']}").get_json()["owner_unit"] == "OICT"


def test_turning_a_threat_cyber_checks_its_measure_owners(as_oict):
    _, a = joint_assessment(as_oict)
    t = add_threat(as_oict, a["id"])
    add_measure(as_oict, a["id"], t["id"], owner_unit="DSS")
    assert_m1(as_oict.patch(f"{PREFIX}/{a['id']}/threats/{t['id']}", json={"domain": "cyber"}))


def test_a_physical_measure_may_be_owned_by_either_unit(as_oict):
    _, a = joint_assessment(as_oict)
    t = add_threat(as_oict, a["id"])
    assert add_measure(as_oict, a["id"], t["id"], owner_unit="OICT", track_as_action=True)["action_id"]
    assert add_measure(as_oict, a["id"], t["id"], owner_unit="DSS", track_as_action=True)["action_id"]
    mandates = {
        a.owner_unit: a.mandate
        for a in db.session.execute(select(Action).where(Action.assessment_id.is_not(None))).scalars()
    }
    assert mandates == {"OICT": None, "DSS": None}


# --- joint sign-off ---------------------------------------------------------------------------


def test_joint_assessment_is_signed_only_when_both_units_signed(as_oict, as_dss, as_admin, as_manager):
    incident, a = joint_assessment(as_oict)
    t = add_threat(as_oict, a["id"], likelihood=2, impact=2)
    url = f"{PREFIX}/{a['id']}/signoffs"
    response = as_oict.post(url, json={"note": "OICT agrees"})
    assert response.status_code == 201 and response.headers["Location"] == f"{PREFIX}/{a['id']}"
    body = response.get_json()
    assert body["status"] == "draft" and [s["unit"] for s in body["signoffs"]] == ["OICT"]
    assert as_oict.post(url, json={}).status_code == 409  # OICT again
    assert as_admin.post(url, json={}).status_code == 403  # no unit
    assert as_manager.post(url, json={}).status_code == 403
    body = as_dss.post(url, json={}).get_json()
    assert body["status"] == "signed" and body["signed_at"] and body["first_signed_at"]
    assert {s["unit"]: s["user"] for s in body["signoffs"]} == {"OICT": "oict1", "DSS": "dss1"}
    # A change to a threat voids both sign-offs and says so on the timeline.
    assert as_dss.patch(f"{PREFIX}/{a['id']}/threats/{t['id']}", json={"impact": 3}).status_code == 200
    body = as_oict.get(f"{PREFIX}/{a['id']}").get_json()
    assert body["status"] == "draft" and body["signoffs"] == [] and body["signed_at"] is None
    assert body["first_signed_at"]  # the time to joint assessment stays recorded
    events = [
        e.body
        for e in db.session.execute(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id)).scalars()
    ]
    assert any("voided because threat" in e and "DSS, OICT" in e for e in events), events
    assert any("now signed by every required unit" in e for e in events), events
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "assessment.signoffs_void")).scalar_one()


def test_a_manager_of_a_unit_signs_for_it(as_oict, login_as):
    _, a = joint_assessment(as_oict)
    add_threat(as_oict, a["id"], likelihood=5, impact=5)  # residual very high: needs a manager
    assert as_oict.post(f"{PREFIX}/{a['id']}/signoffs", json={}).status_code == 422
    oict_manager = login_as("manager", "OICT", "oict-boss")
    dss_manager = login_as("manager", "DSS", "dss-boss")
    assert oict_manager.post(f"{PREFIX}/{a['id']}/signoffs", json={}).status_code == 201
    assert dss_manager.post(f"{PREFIX}/{a['id']}/signoffs", json={}).get_json()["status"] == "signed"


def test_measure_changes_void_sign_offs_too(as_oict, as_dss):
    _, a = joint_assessment(as_oict)
    t = add_threat(as_oict, a["id"], likelihood=1, impact=1)
    for client in (as_oict, as_dss):
        client.post(f"{PREFIX}/{a['id']}/signoffs", json={})
    assert as_oict.get(f"{PREFIX}/{a['id']}").get_json()["status"] == "signed"
    add_measure(as_dss, a["id"], t["id"])
    assert as_oict.get(f"{PREFIX}/{a['id']}").get_json()["status"] == "draft"


def test_editing_title_keeps_sign_offs_and_an_unchanged_patch_voids_nothing(as_oict, as_dss):
    _, a = joint_assessment(as_oict)
    t = add_threat(as_oict, a["id"], likelihood=1, impact=1)
    for client in (as_oict, as_dss):
        client.post(f"{PREFIX}/{a['id']}/signoffs", json={})
    as_oict.patch(f"{PREFIX}/{a['id']}", json={"title": "Renamed"})
    as_oict.patch(f"{PREFIX}/{a['id']}/threats/{t['id']}", json={"likelihood": 1})
    assert as_oict.get(f"{PREFIX}/{a['id']}").get_json()["status"] == "signed"


def test_non_joint_needs_its_lead_unit_and_empty_ones_cannot_be_signed(as_oict, as_dss):
    r1 = make_incident()
    a = create_assessment(as_oict, incident_id=r1.id, subject="")
    assert as_oict.post(f"{PREFIX}/{a['id']}/signoffs", json={}).status_code == 422  # no threats
    add_threat(as_oict, a["id"], likelihood=1, impact=1)
    assert as_oict.post(f"{PREFIX}/{a['id']}/signoffs", json={}).get_json()["status"] == "signed"
    subject = create_assessment(as_dss)
    add_threat(as_dss, subject["id"], likelihood=1, impact=1)
    assert as_dss.post(f"{PREFIX}/{subject['id']}/signoffs", json={}).get_json()["status"] == "signed"


def test_new_version_needs_new_sign_offs(as_oict, as_dss):
    _, a = joint_assessment(as_oict)
    add_threat(as_oict, a["id"], likelihood=1, impact=1)
    for client in (as_oict, as_dss):
        client.post(f"{PREFIX}/{a['id']}/signoffs", json={})
    v2 = as_oict.post(f"{PREFIX}/{a['id']}/versions", json={}).get_json()
    assert v2["status"] == "draft" and v2["signoffs"] == []
    v1 = as_oict.get(f"{PREFIX}/{a['id']}/versions/1").get_json()
    assert v1["status"] == "signed" and len(v1["signoffs"]) == 2 and v1["frozen"]


# --- need to know -----------------------------------------------------------------------------


def test_dss_sees_only_assessments_of_its_incidents_and_subject_ones(as_oict, as_dss):
    r1 = make_incident()
    hidden = create_assessment(as_oict, incident_id=r1.id, subject="")
    _, joint = joint_assessment(as_oict)
    subject = create_assessment(as_oict)
    assert as_dss.get(f"{PREFIX}/{hidden['id']}").status_code == 404
    assert as_dss.get(f"{PREFIX}/{hidden['id']}/versions/1").status_code == 404
    assert as_dss.patch(f"{PREFIX}/{hidden['id']}", json={"title": "x"}).status_code == 404
    assert as_dss.post(f"{PREFIX}/{hidden['id']}/signoffs", json={}).status_code == 404
    ids = {item["id"] for item in as_dss.get(PREFIX).get_json()["items"]}
    assert ids == {joint["id"], subject["id"]}
    assert as_oict.get(PREFIX).get_json()["total"] == 3


def test_dss_sees_only_title_domain_and_risk_of_cyber_threats(as_oict, as_dss):
    _, a = joint_assessment(as_oict)
    cyber = add_threat(
        as_oict,
        a["id"],
        domain="cyber",
        title="ACS intrusion",
        description="EDR rule ACS-lateral-movement",
        likelihood=4,
        impact=5,
    )
    cm = add_measure(as_oict, a["id"], cyber["id"], owner_unit="OICT", description="Block 10.20.4.17")
    physical = add_threat(as_dss, a["id"], description="Doors unlock on their own")
    body = as_dss.get(f"{PREFIX}/{a['id']}").get_json()
    seen = {t["id"]: t for t in body["threats"]}
    assert seen[cyber["id"]] == {
        "id": cyber["id"],
        "title": "ACS intrusion",
        "domain": "cyber",
        "risk_level": "very_high",
        "restricted": True,
    }
    assert seen[physical["id"]]["description"] == "Doors unlock on their own"
    text = as_dss.get(f"{PREFIX}/{a['id']}").get_data(as_text=True)
    assert "ACS-lateral-movement" not in text and "10.20.4.17" not in text
    assert as_dss.get(f"{PREFIX}/{a['id']}/threats/{cyber['id']}").get_json()["restricted"] is True
    assert as_dss.get(f"{PREFIX}/{a['id']}/threats/{cyber['id']}/measures/{cm['id']}").status_code == 404
    full = as_oict.get(f"{PREFIX}/{a['id']}").get_json()
    assert {t["id"]: t for t in full["threats"]}[cyber["id"]]["measures"][0]["description"] == "Block 10.20.4.17"
