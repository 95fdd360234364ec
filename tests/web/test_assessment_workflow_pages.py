"""Assessment workflows through the pages over real HTTP (issue 12): a new assessment (from the list,
for an incident or for a premises), a DSS physical-risk assessment of a DSS-led R4 incident, editing
and deleting threats and measures (M1 as in the API), a measure tracked as an action with its due
date, a new version, the flash that says sign-offs were voided, and post/redirect/get throughout."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, Assessment, AuditEntry, Measure, Signoff, Threat
from incident_hub.services.assessments.commands import sign_assessment
from incident_hub.services.assessments.threats import add_measure, add_threat
from tests.factories import SYSTEM, make_incident, make_user
from tests.web.assess_data import joint_assessment_of, make_assessment, measure, threat

R4_FACTS = {"vectors": ["physical"], "effects": ["premises_security_gap"], "deliberate": True}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _latest(model):
    db.session.expire_all()
    return db.session.execute(select(model).order_by(model.id.desc())).scalars().first()


def test_new_assessment_from_the_list_for_a_premises(oict):
    assert 'href="/assessments/new"' in oict.text("/assessments")
    before = _count(Assessment), _count(AuditEntry)
    html = oict.refused("/assessments/new", {"title": "", "subject": ""}, "/assessments/new")
    assert 'id="title-error"' in html and 'id="subject-error"' in html
    html = oict.refused("/assessments/new", {"title": "Data centre B", "subject": ""}, "/assessments/new")
    assert 'value="Data centre B"' in html and "name the premises or asset" in html
    assert (_count(Assessment), _count(AuditEntry)) == before
    ok = oict.post(
        "/assessments/new",
        {"title": "Data centre B", "subject": "Geneva DC-B, hall 2", "review_due_at": "2031-01-02T03:04"},
        csrf_page="/assessments/new",
    )
    assert ok.status_code == 302
    a = _latest(Assessment)
    assert ok.headers["Location"].startswith(f"/assessments/{a.id}")
    assert a.incident_id is None and a.subject == "Geneva DC-B, hall 2" and not a.joint
    page = oict.text(f"/assessments/{a.id}")
    assert "Geneva DC-B, hall 2" in page and "2031-01-02 03:04 UTC" in page


def test_new_assessment_for_an_incident_and_need_to_know(oict, dss):
    incident = make_incident(hybrid=True, title="Gate badge system hijacked")
    page = oict.text(f"/incidents/{incident.id}")
    assert f'href="/assessments/new?incident_id={incident.id}"' in page
    form = oict.text(f"/assessments/new?incident_id={incident.id}")
    assert "Gate badge system hijacked" in form and "joint assessment" in form
    ok = oict.post(
        f"/assessments/new?incident_id={incident.id}",
        {"title": "Second look at the gates", "incident_id": str(incident.id)},
        csrf_page="/assessments/new",
    )
    assert ok.status_code == 302
    a = _latest(Assessment)
    assert a.incident_id == incident.id and a.joint
    cyber_only = make_incident(title="Phishing wave")
    assert dss.get(f"/assessments/new?incident_id={cyber_only.id}").status_code == 404
    before = _count(Assessment)
    html = dss.refused(
        "/assessments/new", {"title": "Peek", "incident_id": str(cyber_only.id)}, csrf_page="/assessments/new"
    )
    assert "No incident with this number that you may see" in html and "Phishing wave" not in html
    assert _count(Assessment) == before


def test_dss_files_a_physical_risk_assessment_for_a_dss_led_r4_incident(dss):
    incident = make_incident(title="Perimeter fence cut at the warehouse", **R4_FACTS)
    assert incident.rule == "R4" and incident.lead_unit == "DSS"
    ok = dss.post(
        f"/assessments/new?incident_id={incident.id}",
        {"title": "Warehouse perimeter", "incident_id": str(incident.id)},
        csrf_page=f"/assessments/new?incident_id={incident.id}",
    )
    aid = _latest(Assessment).id
    assert ok.status_code == 302 and not _latest(Assessment).joint
    page = dss.text(f"/assessments/{aid}")
    domain_select = page[page.index('id="threat-domain"') : page.index("</select>", page.index('id="threat-domain"'))]
    assert 'value="physical"' in domain_select and 'value="cyber"' not in domain_select
    assert "Only physical threats: cyber threats are assessed by a unit holding the cyber mandate (OICT)" in page
    data = {"threat-title": "Intruders through the cut fence", "threat-domain": "physical"}
    add = dss.post(
        f"/assessments/{aid}/threats", {**data, "threat-likelihood": "4", "threat-impact": "3"}, f"/assessments/{aid}"
    )
    assert add.status_code == 302
    assert dss.post(f"/assessments/{aid}/sign", {}, f"/assessments/{aid}").status_code == 302
    assert 'id="assessment-status">Signed<' in dss.text(f"/assessments/{aid}")


def test_edit_threat_voids_sign_offs_and_says_so(oict, dss):
    incident = make_incident(hybrid=True)
    a = joint_assessment_of(incident.id)
    t = add_threat(SYSTEM, a.id, threat("physical", 3, 3, "Tailgating at gate 2"))
    add_measure(SYSTEM, a.id, t.id, measure("DSS", 1, 1))
    aid, tid = a.id, t.id
    oict_user, _ = make_user("oict_responder", "OICT", "signer-oict")
    from incident_hub.services.admin.users import principal_of

    sign_assessment(principal_of(oict_user), aid)
    edit = f"/assessments/{aid}/threats/{tid}/edit"
    form = dss.text(edit)
    assert 'value="Tailgating at gate 2"' in form and 'id="delete-threat-button"' in form and "data-confirm=" in form
    response = dss.post(
        edit,
        {
            "threat-title": "Tailgating at gate 2 and 3",
            "threat-domain": "physical",
            "threat-likelihood": "4",
            "threat-impact": "3",
        },
        csrf_page=edit,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#threat-{tid}")
    page = dss.text(f"/assessments/{aid}")
    assert "This change voided the sign-offs by OICT" in page and 'class="flash warning"' in page
    assert _count(Signoff) == 0
    db.session.expire_all()
    assert db.session.get(Threat, tid).title == "Tailgating at gate 2 and 3"
    # Saving the same values changes nothing and voids nothing.
    audits = _count(AuditEntry)
    same = {
        "threat-title": "Tailgating at gate 2 and 3",
        "threat-domain": "physical",
        "threat-likelihood": "4",
        "threat-impact": "3",
    }
    assert dss.post(edit, same, csrf_page=edit).status_code == 302
    assert _count(AuditEntry) == audits and "voided" not in dss.text(f"/assessments/{aid}")


def test_m1_on_edit_as_in_the_api(oict, dss):
    incident = make_incident(hybrid=True)
    a = joint_assessment_of(incident.id)
    cyber = add_threat(SYSTEM, a.id, threat("cyber", 4, 4, "Badge server takeover"))
    physical = add_threat(SYSTEM, a.id, threat("physical", 2, 2, "Gate left open"))
    m = add_measure(SYSTEM, a.id, physical.id, measure("DSS", 1, 1))
    aid, cid, pid, mid = a.id, cyber.id, physical.id, m.id
    page = dss.text(f"/assessments/{aid}")
    assert f'id="edit-threat-{pid}"' in page and f'id="edit-threat-{cid}"' not in page
    assert dss.get(f"/assessments/{aid}/threats/{cid}/edit").status_code == 404  # para 6: no details
    before = _count(Threat), _count(Measure), _count(AuditEntry)
    # A DSS officer turning a physical threat into a cyber one: refused by M1, at the form, nothing written.
    edit = f"/assessments/{aid}/threats/{pid}/edit"
    html = dss.refused(
        edit,
        {"threat-title": "Gate left open", "threat-domain": "cyber", "threat-likelihood": "2", "threat-impact": "2"},
        csrf_page=edit,
    )
    assert "Rule M1" in html
    # OICT turning it cyber: its measure is owned by DSS, which lacks `cyber` (M1 on the measure's owner).
    html = oict.refused(
        edit,
        {"threat-title": "Gate left open", "threat-domain": "cyber", "threat-likelihood": "2", "threat-impact": "2"},
        csrf_page=edit,
    )
    assert "Rule M1" in html and "owning a measure against a cyber threat" in html
    # A cyber threat's measure page offers only owner units holding `cyber`.
    cm = add_measure(SYSTEM, aid, cid, measure("OICT", 2, 2))
    measure_page = oict.text(f"/assessments/{aid}/threats/{cid}/measures/{cm.id}/edit")
    owners = measure_page[measure_page.index('id="measure-owner_unit"') :].split("</select>")[0]
    assert 'value="OICT"' in owners and 'value="DSS"' not in owners
    assert dss.get(f"/assessments/{aid}/threats/{cid}/measures/{cm.id}/edit").status_code == 404
    assert (_count(Threat), _count(Measure) - 1, _count(AuditEntry) - 1) == before
    assert db.session.get(Measure, mid).owner_unit == "DSS"


def test_measure_tracked_as_action_with_due_date_then_edit_and_delete(oict):
    a = make_assessment([("cyber", 4, 4)])
    aid = a.id
    tid = _latest(Threat).id
    page = f"/assessments/{aid}"
    response = oict.post(
        f"{page}/measures",
        {
            "measure-threat_id": str(tid),
            "measure-kind": "prevention",
            "measure-description": "Patch the badge server",
            "measure-owner_unit": "OICT",
            "measure-residual_likelihood": "2",
            "measure-residual_impact": "2",
            "measure-due_at": "2031-05-06T07:08",
            "measure-track_as_action": "y",
        },
        csrf_page=page,
    )
    assert response.status_code == 302
    m = _latest(Measure)
    action = db.session.get(Action, m.action_id)
    assert (
        action is not None and action.due_at == datetime(2031, 5, 6, 7, 8, tzinfo=UTC) and action.phase == "prevention"
    )
    html = oict.text(page)
    assert f"Measure added and tracked as action {action.id}" in html and f'href="/actions/{action.id}"' in html
    edit = f"{page}/threats/{tid}/measures/{m.id}/edit"
    form = oict.text(edit)
    assert 'value="Patch the badge server"' in form and 'value="2031-05-06T07:08"' in form
    assert f'href="/actions/{action.id}"' in form and 'name="measure-track_as_action"' not in form
    saved = oict.post(
        edit,
        {
            "measure-kind": "prevention",
            "measure-description": "Patch and reboot the badge server",
            "measure-owner_unit": "OICT",
            "measure-residual_likelihood": "1",
            "measure-residual_impact": "2",
        },
        csrf_page=edit,
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Measure, m.id).description == "Patch and reboot the badge server"
    gone = oict.post(f"{page}/threats/{tid}/measures/{m.id}/delete", {}, csrf_page=edit)
    assert gone.status_code == 302 and db.session.get(Measure, m.id) is None
    assert db.session.get(Action, action.id) is not None  # the action keeps its own life cycle
    threat_edit = f"{page}/threats/{tid}/edit"
    assert oict.post(f"{page}/threats/{tid}/delete", {}, csrf_page=threat_edit).status_code == 302
    assert _count(Threat) == 0 and "and its measures deleted" in oict.text(page)


def test_new_version_from_the_page(oict):
    a = make_assessment([("physical", 2, 2)])
    page = f"/assessments/{a.id}"
    assert 'id="new-version-button"' in oict.text(page)
    response = oict.post(
        f"{page}/versions", {"version-title": "After the new fence", "version-note": "Fence rebuilt"}, csrf_page=page
    )
    assert response.status_code == 302
    current = oict.text(page)
    assert "After the new fence" in current and "version 1 is frozen" in current
    old = oict.text(f"{page}?version=1")
    assert 'id="add-threat"' not in old and 'id="new-version-button"' not in old and "edit-threat-" not in old
    t1 = db.session.execute(select(Threat).order_by(Threat.id)).scalars().first()
    # A frozen version's threat: its edit page is read-only and a forged save is refused (409), at the page.
    frozen = oict.text(f"{page}/threats/{t1.id}/edit")
    assert 'id="read-only"' in frozen and 'id="save-threat"' not in frozen
    html = oict.refused(
        f"{page}/threats/{t1.id}/edit",
        {"threat-title": "x", "threat-domain": "physical", "threat-likelihood": "1", "threat-impact": "1"},
        csrf_page=page,
    )
    assert "frozen" in html


def test_reload_after_refused_and_successful_posts_writes_nothing(oict):
    a = make_assessment([("physical", 2, 2)])
    page = f"/assessments/{a.id}"
    refused = oict.post(f"{page}/threats", {"threat-title": "", "threat-domain": "physical"}, csrf_page=page)
    assert refused.status_code == 303
    where = refused.headers["Location"]
    assert where.startswith(f"{page}?draft=") and where.endswith("#field-threat-title")
    before = _count(Threat), _count(AuditEntry)
    for _ in range(2):  # a reload is a GET: it shows the same refusal and sends nothing
        assert 'id="threat-title-error"' in oict.text(where.split("#")[0])
    ok = oict.post(
        f"{page}/threats",
        {"threat-title": "Flood", "threat-domain": "physical", "threat-likelihood": "2", "threat-impact": "2"},
        csrf_page=page,
    )
    assert ok.status_code == 302
    after = _count(Threat), _count(AuditEntry)
    assert after[0] == before[0] + 1
    oict.text(ok.headers["Location"].split("#")[0])
    oict.text(ok.headers["Location"].split("#")[0])
    assert (_count(Threat), _count(AuditEntry)) == after


def test_a_draft_is_only_its_authors(oict, dss):
    a = make_assessment([("physical", 2, 2)])
    page = f"/assessments/{a.id}"
    refused = oict.post(
        f"{page}/threats", {"threat-title": "", "threat-description": "zz-private-typing"}, csrf_page=page
    )
    where = refused.headers["Location"].split("#")[0]
    assert "zz-private-typing" in oict.text(where)
    assert "zz-private-typing" not in dss.text(where)
