"""/api/v1/assessments: creation, validation, the matrix through the API, versions and listing."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Assessment, AuditEntry, Threat
from tests.assessment_factories import PREFIX, add_measure, add_threat, create_assessment
from tests.domain.test_risk import CELLS, CODE_OF_LABEL
from tests.factories import make_incident


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_create_for_a_subject_answers_201_with_location(as_oict):
    response = as_oict.post(PREFIX, json={"subject": "Nairobi data centre B", "title": "Perimeter review"})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"{PREFIX}/{body['id']}"
    assert body["incident_id"] is None and body["joint"] is False and body["status"] == "draft"
    assert body["version"] == 1 and body["threats"] == [] and body["signoffs"] == []
    assert body["review_due"] is False
    assert as_oict.get(response.headers["Location"]).get_json()["title"] == "Perimeter review"
    audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "assessment.create")).scalar_one()
    assert audit.object_id == str(body["id"])


def test_joint_follows_the_incident_rule(as_oict):
    r1 = make_incident()
    r2 = make_incident(vectors=["digital"], effects=["premises_security_gap"], deliberate=None)
    assert (r1.rule, r2.rule) == ("R1", "R2")
    assert create_assessment(as_oict, incident_id=r1.id, subject="")["joint"] is False
    joint = create_assessment(as_oict, incident_id=r2.id, subject="")
    assert joint["joint"] is True and joint["required_signoffs"] == ["DSS", "OICT"]


def test_validation_errors_name_the_fields_and_change_nothing(as_oict):
    before = count(Assessment)
    cases = [
        ({"subject": "x"}, "title"),
        ({"title": "t"}, "subject"),  # no incident and no subject
        ({"title": "t", "subject": "x", "review_due_at": "tomorrow"}, "review_due_at"),
        ({"title": "t", "subject": "x", "review_due_at": "2026-12-01T00:00:00"}, "review_due_at"),  # naive
        ({"title": "t", "subject": "x", "joint": True}, "joint"),
        ({"title": "t", "subject": "x", "status": "signed"}, "status"),
        ({"title": "t", "subject": "x", "colour": "red"}, "colour"),
        ({"title": "t", "incident_id": "7"}, "incident_id"),
    ]
    for body, field in cases:
        response = as_oict.post(PREFIX, json=body)
        assert response.status_code == 422, body
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and field in error["details"]["fields"], (body, error)
    assert count(Assessment) == before


def test_an_unknown_or_invisible_incident_is_404(as_dss):
    cyber_only = make_incident()  # R1: DSS takes no part
    for incident_id in (cyber_only.id, 999_999):
        response = as_dss.post(PREFIX, json={"incident_id": incident_id, "title": "t"})
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert count(Assessment) == 0


def test_risk_level_for_all_25_cells_through_the_api(as_oict):
    a = create_assessment(as_oict)
    for likelihood, impact, label in CELLS:
        t = add_threat(as_oict, a["id"], title=f"{likelihood}x{impact}", likelihood=likelihood, impact=impact)
        assert t["risk_level"] == CODE_OF_LABEL[label], (likelihood, impact)
    assert len(as_oict.get(f"{PREFIX}/{a['id']}").get_json()["threats"]) == 25


def test_risk_levels_are_never_accepted_as_input(as_oict):
    a = create_assessment(as_oict)
    url = f"{PREFIX}/{a['id']}/threats"
    response = as_oict.post(
        url, json={"title": "t", "domain": "physical", "likelihood": 1, "impact": 1, "risk_level": "low"}
    )
    assert response.status_code == 422
    assert "derived" in response.get_json()["error"]["details"]["fields"]["risk_level"][0]
    t = add_threat(as_oict, a["id"])
    response = as_oict.patch(f"{url}/{t['id']}", json={"risk_level": "very_high"})
    assert response.status_code == 422 and "risk_level" in response.get_json()["error"]["details"]["fields"]
    measures = f"{url}/{t['id']}/measures"
    body = {"kind": "mitigation", "description": "d", "owner_unit": "DSS", "residual_risk_level": "low"}
    response = as_oict.post(measures, json=body)
    assert response.status_code == 422 and "residual_risk_level" in response.get_json()["error"]["details"]["fields"]
    assert count(Threat) == 1 and as_oict.get(f"{PREFIX}/{a['id']}").get_json()["threats"][0]["measures"] == []


def test_threat_and_measure_field_errors(as_oict):
    a = create_assessment(as_oict)
    url = f"{PREFIX}/{a['id']}/threats"
    for body, field in [
        ({"title": "t", "domain": "physical", "likelihood": 6, "impact": 1}, "likelihood"),
        ({"title": "t", "domain": "physical", "likelihood": 1, "impact": 0}, "impact"),
        ({"title": "t", "domain": "space", "likelihood": 1, "impact": 1}, "domain"),
        ({"domain": "physical", "likelihood": 1, "impact": 1}, "title"),
        ({"title": "t", "domain": "physical", "likelihood": "3", "impact": 1}, "likelihood"),
    ]:
        response = as_oict.post(url, json=body)
        assert response.status_code == 422 and field in response.get_json()["error"]["details"]["fields"], body
    assert response.get_json()["error"]["details"]["fields"]["likelihood"]
    t = add_threat(as_oict, a["id"])
    murl = f"{url}/{t['id']}/measures"
    for body, field, code in [
        ({"kind": "cure", "description": "d", "owner_unit": "DSS"}, "kind", "validation_error"),
        ({"kind": "prevention", "description": "d", "owner_unit": "NOPE"}, "owner_unit", "unknown_unit"),
        (
            {"kind": "prevention", "description": "d", "owner_unit": "DSS", "residual_likelihood": 2},
            "residual_impact",
            "validation_error",
        ),
        (
            {
                "kind": "prevention",
                "description": "d",
                "owner_unit": "DSS",
                "residual_impact": 9,
                "residual_likelihood": 1,
            },
            "residual_impact",
            "validation_error",
        ),
    ]:
        response = as_oict.post(murl, json=body)
        error = response.get_json()["error"]
        assert response.status_code == 422 and error["code"] == code and field in error["details"]["fields"], body
    assert as_oict.get(f"{url}/{t['id']}").get_json()["measures"] == []


def test_measure_residual_and_track_as_action(as_oict):
    incident = make_incident(hybrid=True)
    a = create_assessment(as_oict, incident_id=incident.id, subject="")
    t = add_threat(as_oict, a["id"], domain="cyber", title="ACS servers compromised", likelihood=4, impact=5)
    assert t["risk_level"] == "very_high"
    m = add_measure(
        as_oict,
        a["id"],
        t["id"],
        owner_unit="OICT",
        description="Isolate the access-control VLAN",
        residual_likelihood=2,
        residual_impact=3,
        due_at="2026-12-01T10:00:00Z",
        track_as_action=True,
    )
    assert m["residual_risk_level"] == "low" and m["action_id"] is not None
    from incident_hub.models import Action

    action = db.session.get(Action, m["action_id"])
    assert (action.assessment_id, action.incident_id, action.owner_unit, action.mandate) == (
        a["id"],
        incident.id,
        "OICT",
        "cyber",
    )
    assert action.phase == "mitigation"
    body = as_oict.get(f"{PREFIX}/{a['id']}").get_json()
    assert body["threats"][0]["residual_risk_level"] == "low" and body["residual_risk_level"] == "low"


def test_measure_can_be_tracked_later_and_edited_and_deleted(as_oict):
    a = create_assessment(as_oict)
    t = add_threat(as_oict, a["id"])
    m = add_measure(as_oict, a["id"], t["id"])
    url = f"{PREFIX}/{a['id']}/threats/{t['id']}/measures/{m['id']}"
    assert m["action_id"] is None
    response = as_oict.patch(url, json={"track_as_action": True, "residual_likelihood": 1, "residual_impact": 1})
    assert response.status_code == 200
    assert response.get_json()["action_id"] and response.get_json()["residual_risk_level"] == "very_low"
    assert as_oict.get(url).status_code == 200
    assert as_oict.delete(url).status_code == 204
    assert as_oict.get(url).status_code == 404


def test_threat_delete_and_404s(as_oict):
    a = create_assessment(as_oict)
    other = create_assessment(as_oict)
    t = add_threat(as_oict, a["id"])
    assert as_oict.patch(f"{PREFIX}/{other['id']}/threats/{t['id']}", json={"impact": 1}).status_code == 404
    assert as_oict.delete(f"{PREFIX}/{a['id']}/threats/{t['id']}").status_code == 204
    assert as_oict.delete(f"{PREFIX}/{a['id']}/threats/{t['id']}").status_code == 404
    assert as_oict.get(f"{PREFIX}/999999").status_code == 404


def test_patch_assessment(as_oict):
    a = create_assessment(as_oict, review_due_at="2020-01-01T00:00:00Z")
    assert a["review_due"] is True
    response = as_oict.patch(
        f"{PREFIX}/{a['id']}", json={"title": "New title", "review_due_at": "2099-01-01T00:00:00+02:00"}
    )
    body = response.get_json()
    assert response.status_code == 200 and body["title"] == "New title"
    assert body["review_due_at"] == "2098-12-31T22:00:00Z" and body["review_due"] is False
    assert as_oict.patch(f"{PREFIX}/{a['id']}", json={"incident_id": 3}).status_code == 422


def test_versions_freeze_and_stay_readable(as_oict):
    a = create_assessment(as_oict)
    t = add_threat(as_oict, a["id"], likelihood=5, impact=5)
    add_measure(as_oict, a["id"], t["id"])
    response = as_oict.post(f"{PREFIX}/{a['id']}/versions", json={"note": "quarterly reassessment"})
    assert response.status_code == 201
    assert response.headers["Location"] == f"{PREFIX}/{a['id']}/versions/2"
    v2 = response.get_json()
    assert v2["version"] == 2 and v2["status"] == "draft" and v2["frozen"] is False
    assert [x["number"] for x in v2["versions"]] == [1, 2]
    new_tid = v2["threats"][0]["id"]
    assert new_tid != t["id"] and len(v2["threats"][0]["measures"]) == 1
    # The old threat belongs to the frozen version 1: every change is a 409.
    old = f"{PREFIX}/{a['id']}/threats/{t['id']}"
    for response in (
        as_oict.patch(old, json={"likelihood": 1}),
        as_oict.delete(old),
        as_oict.post(f"{old}/measures", json={"kind": "prevention", "description": "d", "owner_unit": "DSS"}),
        as_oict.patch(f"{old}/measures/{t['id']}", json={"description": "x"}),
    ):
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["error"]["code"] == "conflict"
    # The current version changes; version 1 is read back as it was.
    as_oict.patch(f"{PREFIX}/{a['id']}/threats/{new_tid}", json={"likelihood": 1, "impact": 1})
    v1 = as_oict.get(f"{PREFIX}/{a['id']}/versions/1").get_json()
    assert v1["frozen"] is True and v1["frozen_at"] and v1["threats"][0]["risk_level"] == "very_high"
    assert as_oict.get(f"{PREFIX}/{a['id']}").get_json()["threats"][0]["risk_level"] == "very_low"
    assert as_oict.get(f"{PREFIX}/{a['id']}/versions/3").status_code == 404


def test_list_filters_sort_and_pages(as_oict):
    create_assessment(as_oict, title="Zeta", review_due_at="2020-01-01T00:00:00Z")
    create_assessment(as_oict, title="Alpha")
    incident = make_incident(hybrid=True)  # brings its automatic joint assessment
    body = as_oict.get(f"{PREFIX}?sort=title&per_page=2").get_json()
    assert body["total"] == 3 and len(body["items"]) == 2 and body["items"][0]["title"] == "Alpha"
    assert as_oict.get(f"{PREFIX}?review_due=true").get_json()["total"] == 1
    assert as_oict.get(f"{PREFIX}?joint=true&incident_id={incident.id}").get_json()["total"] == 1
    assert as_oict.get(f"{PREFIX}?status=signed").get_json()["total"] == 0
    for bad in ("sort=colour", "status=done", "per_page=0"):
        response = as_oict.get(f"{PREFIX}?{bad}")
        assert response.status_code == 422 and bad.split("=")[0] in response.get_json()["error"]["details"]["fields"]
