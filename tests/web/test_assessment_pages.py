"""Assessment pages: list, page per role, need to know, forms (field errors, M1), sign-off, versions."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, Measure, Signoff, Threat
from incident_hub.services.assessments.commands import new_version
from incident_hub.services.assessments.threats import add_measure, add_threat
from tests.factories import SYSTEM, make_incident
from tests.web.assess_data import joint_assessment_of, make_assessment, measure, threat
from tests.web.support import login

SECRET = "zz-cyber-detail-7731"


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _joint_with_threats() -> tuple[int, int]:
    incident = make_incident(hybrid=True)
    joint = joint_assessment_of(incident.id)
    cyber = add_threat(SYSTEM, joint.id, {**threat("cyber", 4, 5, "Badge server takeover"), "description": SECRET})
    add_measure(SYSTEM, joint.id, cyber.id, measure("OICT", 1, 2))  # residual below High: units may sign
    add_threat(SYSTEM, joint.id, threat("physical", 3, 3, "Tailgating at gate 2"))
    return incident.id, joint.id


def test_pages_by_role(oict, dss, manager, admin):
    incident_id, aid = _joint_with_threats()
    for browser in (oict, dss, manager, admin):
        assert browser.get("/assessments").status_code == 200
        page = browser.text(f"/assessments/{aid}")
        assert "Badge server takeover" in page and "Tailgating at gate 2" in page
        assert 'class="risk-matrix"' in page and 'id="versions"' in page
        assert f"/assessments/{aid}" in browser.text(f"/incidents/{incident_id}")  # INCIDENT_PANELS link
        assert f"/assessments/{aid}" in browser.text("/assessments")
    assert oict.get("/assessments/999999").status_code == 404


def test_page_shows_matrix_levels_and_residual(oict):
    a = make_assessment([("physical", 5, 5)])
    t_id = db.session.execute(select(Threat.id).where(Threat.version_id.is_not(None))).scalars().first()
    page = oict.text(f"/assessments/{a.id}")
    assert 'data-l="5" data-i="5" title="Very High">1<' in page
    assert 'data-l="1" data-i="1" title="Very Low"><' in page
    response = oict.post(
        f"/assessments/{a.id}/measures",
        {"measure-threat_id": str(t_id), **{f"measure-{k}": v for k, v in measure("DSS", 1, 2).items() if v}},
        csrf_page=f"/assessments/{a.id}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = oict.text(f"/assessments/{a.id}")
    assert "residual 1×2" in page and 'id="assessment-residual"><span class="badge lvl-very_low">' in page


def test_dss_sees_only_title_domain_and_level_of_cyber_threats(dss, oict):
    _, aid = _joint_with_threats()
    dss_page = dss.text(f"/assessments/{aid}")
    assert SECRET not in dss_page and "details for cyber-cleared units only" in dss_page
    assert "Very High" in dss_page  # the cyber threat's level (4×5)
    assert SECRET in oict.text(f"/assessments/{aid}")
    cyber_only = make_incident()
    hidden = make_assessment([("cyber", 2, 2)], incident_id=cyber_only.id)
    assert dss.get(f"/assessments/{hidden.id}").status_code == 404
    assert f'/assessments/{hidden.id}"' not in dss.text("/assessments")


def test_add_threat_field_error_and_m1_refusal_write_nothing(oict, dss):
    _, aid = _joint_with_threats()
    before = _count(Threat), _count(AuditEntry)
    html = oict.refused(
        f"/assessments/{aid}/threats",
        {"threat-title": "", "threat-domain": "physical", "threat-likelihood": "9", "threat-impact": "2"},
        csrf_page=f"/assessments/{aid}",
    )
    assert 'id="field-threat-title"' in html and 'id="threat-title-error"' in html
    assert 'id="threat-likelihood-error"' in html
    m1 = dss.refused(
        f"/assessments/{aid}/threats",
        {"threat-title": "Phishing", "threat-domain": "cyber", "threat-likelihood": "3", "threat-impact": "3"},
        csrf_page=f"/assessments/{aid}",
    )
    assert "Rule M1" in m1 and 'value="Phishing"' in m1  # what was typed comes back with the refusal
    assert (_count(Threat), _count(AuditEntry)) == before
    ok = dss.post(
        f"/assessments/{aid}/threats",
        {"threat-title": "Gate left open", "threat-domain": "physical", "threat-likelihood": "2", "threat-impact": "4"},
        csrf_page=f"/assessments/{aid}",
    )
    assert ok.status_code == 302 and "Gate left open" in dss.text(f"/assessments/{aid}")


def test_measure_residual_error_next_to_the_field(oict):
    a = make_assessment([("cyber", 4, 4)])
    tid = db.session.execute(select(Threat.id).order_by(Threat.id.desc())).scalars().first()
    before = _count(Measure)
    data = {"measure-threat_id": str(tid), "measure-kind": "mitigation", "measure-description": "Patch"}
    html = oict.refused(
        f"/assessments/{a.id}/measures",
        {**data, "measure-owner_unit": "OICT", "measure-residual_likelihood": "2"},
        csrf_page=f"/assessments/{a.id}",
    )
    assert 'id="measure-residual_impact-error"' in html
    page = f"/assessments/{a.id}"
    m1 = oict.refused(f"{page}/measures", {**data, "measure-owner_unit": "DSS"}, csrf_page=page)
    assert "Rule M1" in m1
    assert _count(Measure) == before


def test_joint_sign_off_oict_then_dss(oict, dss, manager):
    _, aid = _joint_with_threats()
    page = oict.text(f"/assessments/{aid}")
    assert 'id="sign-button"' in page and 'id="signoff-DSS"' in page
    assert 'id="sign-button"' not in manager.text(f"/assessments/{aid}")  # no unit: cannot sign
    assert oict.post(f"/assessments/{aid}/sign", {}, csrf_page=f"/assessments/{aid}").status_code == 302
    page = oict.text(f"/assessments/{aid}")
    assert 'id="sign-button"' not in page and 'id="assessment-status">Draft<' in page
    assert dss.post(f"/assessments/{aid}/sign", {}, csrf_page=f"/assessments/{aid}").status_code == 302
    page = dss.text(f"/assessments/{aid}")
    assert 'id="assessment-status">Signed<' in page
    again = dss.refused(f"/assessments/{aid}/sign", {"sign-note": "x"}, csrf_page=f"/assessments/{aid}")
    assert "already signed" in again
    assert _count(Signoff) == 2


def test_older_versions_are_read_only(oict):
    a = make_assessment([("physical", 2, 2)])
    new_version(SYSTEM, a.id, {"title": "Second look", "note": ""})
    old = oict.text(f"/assessments/{a.id}?version=1")
    assert "read-only" in old and 'id="add-threat"' not in old and 'id="sign-form"' not in old
    current = oict.text(f"/assessments/{a.id}")
    assert 'id="add-threat"' in current and "Second look" in current


def test_forms_refuse_posts_without_csrf(oict):
    _, aid = _joint_with_threats()
    before = _count(Threat), _count(Measure), _count(Signoff), _count(AuditEntry)
    for path, data in (
        (f"/assessments/{aid}/threats", {"threat-title": "x", "threat-domain": "physical"}),
        (f"/assessments/{aid}/measures", {"measure-threat_id": "1", "measure-description": "x"}),
        (f"/assessments/{aid}/sign", {}),
    ):
        assert oict.post(path, data, csrf_page=None).status_code == 400, path
        assert oict.post(path, {**data, "csrf_token": "forged"}, csrf_page=None).status_code == 400, path
    assert (_count(Threat), _count(Measure), _count(Signoff), _count(AuditEntry)) == before


def test_reviews_due_filter(oict):
    make_assessment([("physical", 2, 2)], title="Never reviewed")
    page = oict.text("/assessments?review_due=yes")
    assert "Never reviewed" not in page and 'id="assessment-total">0 assessments' in page
    assert "Never reviewed" in oict.text("/assessments?q=never")


def test_a_dss_manager_reads_cyber_threats_but_changes_only_physical_ones(app):
    """Managers read across units (the cyber threat in full), but M1 holds for a DSS manager: the cyber
    threat and its measure are marked read-only with the reason, offer no edit or delete and are not
    offered to the new-measure form; the physical threat stays editable; a forged POST is refused."""
    dss_manager = login(app, "manager", "DSS", "dss-boss")
    _, aid = _joint_with_threats()
    cyber, physical = (db.session.execute(select(Threat).where(Threat.title == t)).scalar_one() for t in TITLES)
    page = dss_manager.text(f"/assessments/{aid}")
    assert SECRET in page  # cleared for the details: a manager reads across units
    row = page.split(f'id="threat-{cyber.id}"')[1].split("</tr>")[0]
    assert f'id="read-only-threat-{cyber.id}"' in row and "Read-only" in row
    assert f'id="edit-threat-{cyber.id}"' not in page
    assert 'id="edit-measure-' not in page.split(f'id="threat-{physical.id}"')[0]  # nor of its measure
    assert f'id="edit-threat-{physical.id}"' in page and f'id="read-only-threat-{physical.id}"' not in page
    assert "Cyber threats are changed by a unit holding the cyber mandate (OICT)" in page
    measure_choices = page.split('id="measure-threat_id"')[1].split("</select>")[0]
    assert f'value="{physical.id}"' in measure_choices and f'value="{cyber.id}"' not in measure_choices
    threat_page = dss_manager.text(f"/assessments/{aid}/threats/{cyber.id}/edit")
    assert 'id="read-only"' in threat_page and 'id="delete-threat-button"' not in threat_page
    assert 'id="save-threat"' not in threat_page and SECRET in dss_manager.text(f"/assessments/{aid}")
    before = _count(AuditEntry)
    forged = dss_manager.post(f"/assessments/{aid}/threats/{cyber.id}/delete", {}, csrf_page=f"/assessments/{aid}")
    assert forged.status_code in (302, 303) and _count(Threat) == 2 and _count(AuditEntry) == before
    assert "M1" in dss_manager.text(forged.headers["Location"].split("#")[0])


TITLES = ("Badge server takeover", "Tailgating at gate 2")
