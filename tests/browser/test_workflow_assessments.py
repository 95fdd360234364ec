"""Assessment workflows in a real Chromium (issue 12): an OICT responder opens an assessment for a
premises from the list (a refused form lands on its error and keeps what was typed; reloads send
nothing), adds threats and a measure tracked as an action with a due date, edits a threat; a DSS
officer files a physical-risk assessment for a DSS-led R4 incident from its page (only `physical`
offered, with the reason), signs it, sees the flash that a change voided the sign-off, deletes a
measure and a threat after the confirmation dialog, and starts a new version; a DSS manager reads a
cyber threat in full but read-only (M1). axe and the 390 px check run on every page the workflows visit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, Assessment, AuditEntry, Measure, Threat
from incident_hub.services.assessments.threats import add_measure, add_threat
from tests.browser.conftest import release
from tests.browser.page_checks import assert_axe_clean, fits_a_phone
from tests.browser.workflow_support import login, submit, user
from tests.factories import SYSTEM, make_incident
from tests.web.assess_data import joint_assessment_of, measure, threat

pytestmark = pytest.mark.browser

R4_FACTS = {"vectors": ["physical"], "effects": ["premises_security_gap"], "deliberate": True}


def _count(model: Any) -> int:
    db.session.expire_all()
    n = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    release()
    return n


def _checked(page: Any) -> None:
    """axe finds nothing serious, and the page fits a phone."""
    assert_axe_clean(page)
    fits_a_phone(page)


def _flash(page: Any) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def test_oict_assesses_a_premises_from_the_list(page):
    login(page, user("oict_responder", "OICT", "wa-oict"))
    page.goto("/assessments")
    with page.expect_navigation():
        page.click("#new-assessment")
    _checked(page)
    page.fill("#title", "Data centre B: power and access")
    submit(page, "#create-assessment")  # no incident, no subject: refused, at the field, as typed
    assert "draft=" in page.url and page.url.endswith("#field-subject")
    assert "name the premises or asset" in page.inner_text("#field-subject")
    assert page.input_value("#title") == "Data centre B: power and access"
    _checked(page)
    before = _count(Assessment), _count(AuditEntry)
    page.reload()  # a reload of the refusal sends nothing
    assert page.input_value("#title") == "Data centre B: power and access"
    assert (_count(Assessment), _count(AuditEntry)) == before
    page.fill("#subject", "Geneva DC-B, hall 2")
    submit(page, "#create-assessment")
    assert "opened" in _flash(page) and "Geneva DC-B, hall 2" in page.inner_text("#assessment-subject")
    page.reload()  # nor does a reload after success
    assert _count(Assessment) == before[0] + 1

    page.fill("#threat-title", "Power cut to the access-control racks")
    page.select_option("#threat-domain", "cyber")
    page.select_option("#threat-likelihood", "4")
    page.select_option("#threat-impact", "4")
    submit(page, "#add-threat button")
    assert "Power cut to the access-control racks" in page.inner_text("#threats")
    page.fill("#measure-description", "UPS on the access-control racks")
    page.select_option("#measure-owner_unit", "OICT")
    page.select_option("#measure-residual_likelihood", "2")
    page.select_option("#measure-residual_impact", "2")
    page.fill("#measure-due_at", "2031-05-06T07:08")
    page.check("#measure-track_as_action")
    submit(page, "#add-measure button")
    assert "tracked as action" in _flash(page)
    _checked(page)
    with page.expect_navigation():
        page.click("#threats .measure-action")
    assert "2031-05-06 07:08" in page.inner_text("#action-due")
    page.go_back()

    tid = _latest_id(Threat)
    with page.expect_navigation():
        page.click(f"#edit-threat-{tid}")
    _checked(page)
    page.select_option("#threat-likelihood", "2")
    submit(page, "#save-threat")
    assert "saved" in _flash(page) and "voided" not in _flash(page)
    mid = _latest_id(Measure)
    with page.expect_navigation():
        page.click(f"#edit-measure-{mid}")
    _checked(page)
    assert page.locator("#measure-track_as_action").count() == 0  # tracked already: the action link instead
    page.fill("#measure-description", "")
    submit(page, "#save-measure")  # refused: lands on the field, nothing written
    assert "draft=" in page.url and page.url.endswith("#field-measure-description")
    assert "This field is required" in page.inner_text("#field-measure-description")


def _latest_id(model: Any) -> int:
    db.session.expire_all()
    n = db.session.execute(select(func.max(model.id))).scalar_one()
    release()
    return int(n)


def test_dss_files_a_physical_risk_assessment_for_an_r4_incident(page):
    incident = make_incident(title="Perimeter fence cut at the warehouse", **R4_FACTS)
    assert (incident.rule, incident.lead_unit) == ("R4", "DSS")
    iid = incident.id
    release()
    login(page, user("dss_officer", "DSS", "wa-dss"))
    page.goto(f"/incidents/{iid}")
    with page.expect_navigation():
        page.click("#new-incident-assessment")
    assert "Perimeter fence cut at the warehouse" in page.inner_text("#assessment-for")
    page.fill("#title", "Warehouse perimeter")
    submit(page, "#create-assessment")
    assert [o.strip() for o in page.locator("#threat-domain option").all_inner_texts()] == ["Physical"]
    assert "cyber mandate (OICT)" in page.inner_text("#field-threat-domain")
    page.fill("#threat-title", "Intruders through the cut fence")
    page.select_option("#threat-likelihood", "4")
    page.select_option("#threat-impact", "3")
    submit(page, "#add-threat button")
    page.fill("#measure-description", "Night patrol along the fence")
    page.select_option("#measure-owner_unit", "DSS")
    page.select_option("#measure-residual_likelihood", "2")
    page.select_option("#measure-residual_impact", "2")
    submit(page, "#add-measure button")
    submit(page, "#sign-button")
    assert page.inner_text("#assessment-status").lower() == "signed"
    _checked(page)

    tid, mid = _latest_id(Threat), _latest_id(Measure)
    page.goto(f"{page.url.split('#')[0]}")
    with page.expect_navigation():
        page.click(f"#edit-threat-{tid}")
    page.select_option("#threat-impact", "4")
    submit(page, "#save-threat")
    assert "voided the sign-offs by DSS" in page.inner_text(".flash.warning")
    assert page.inner_text("#assessment-status").lower() == "draft"

    with page.expect_navigation():
        page.click(f"#edit-measure-{mid}")
    page.click("#delete-measure-button")
    assert page.is_visible("dialog.confirm") and "cannot be undone" in page.inner_text("#confirm-message")
    page.click("#confirm-cancel")  # "Go back": nothing is sent
    assert _count(Measure) == 1
    submit(page, "#delete-measure-button")
    assert "Measure deleted" in _flash(page) and _count(Measure) == 0

    with page.expect_navigation():
        page.click(f"#edit-threat-{tid}")
    submit(page, "#delete-threat-button")
    assert "deleted" in _flash(page) and _count(Threat) == 0

    page.fill("#threat-title", "Forklift ramming the gate")
    submit(page, "#add-threat button")
    page.click("#new-version summary")
    page.fill("#version-title", "Warehouse perimeter after the new fence")
    submit(page, "#new-version-button")
    assert "Version 2 opened" in _flash(page)
    assert "Warehouse perimeter after the new fence" in page.inner_text("h1")
    _checked(page)
    page.click("#versions a >> nth=0")
    page.wait_for_load_state()
    assert "read-only" in page.inner_text("#assessment-version")
    assert page.locator("#add-threat").count() == 0 and page.locator("[id^=edit-threat-]").count() == 0
    assert _count(Action) == 0  # nothing here was tracked as an action


def test_a_dss_manager_reads_a_cyber_threat_read_only(page):
    joint = joint_assessment_of(make_incident(hybrid=True).id)
    cyber = add_threat(SYSTEM, joint.id, {**threat("cyber", 4, 5, "Badge server takeover"), "description": "Port 8443"})
    add_measure(SYSTEM, joint.id, cyber.id, measure("OICT", 1, 2))
    physical = add_threat(SYSTEM, joint.id, threat("physical", 3, 3, "Tailgating at gate 2"))
    aid, cyber_id, physical_id = joint.id, cyber.id, physical.id
    release()
    login(page, user("manager", "DSS", "w-dss-manager"))
    page.goto(f"/assessments/{aid}")
    assert "Port 8443" in page.inner_text("#threats")  # a manager reads across units
    assert page.inner_text(f"#read-only-threat-{cyber_id}") == "Read-only"
    assert "cyber mandate (OICT)" in page.inner_text("#read-only-reason")
    assert page.locator(f"#edit-threat-{cyber_id}").count() == 0
    assert page.locator("#threats .measure a.button").count() == 0  # its measure: no edit either
    assert page.locator(f"#edit-threat-{physical_id}").is_visible()
    assert page.locator(f"#measure-threat_id option[value='{cyber_id}']").count() == 0
    _checked(page)
    page.goto(f"/assessments/{aid}/threats/{cyber_id}/edit")
    assert page.locator("#read-only").is_visible() and page.locator("#delete-threat-button").count() == 0
    _checked(page)
