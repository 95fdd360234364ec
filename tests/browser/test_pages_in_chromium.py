"""The issue 8 scenarios in a real browser (Playwright + Debian's Chromium)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Incident
from incident_hub.services.assessments.threats import add_measure, add_threat
from incident_hub.services.incidents.commands import transition_incident
from tests.browser.conftest import release, shot
from tests.factories import PASSWORD, SYSTEM, make_incident, make_user
from tests.web.assess_data import joint_assessment_of, make_assessment, measure, threat
from tests.web.data import small_world

pytestmark = pytest.mark.browser


def _user(role: str, unit: str | None, name: str) -> str:
    make_user(role, unit, name)
    release()
    return name


def _login(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _incidents() -> int:
    count = db.session.execute(select(func.count()).select_from(Incident)).scalar_one()
    release()
    return count


def _db_name() -> str:
    return db.engine.dialect.name


def test_oict_creates_a_hybrid_incident_and_sees_r3_with_dss(page):
    name = _user("oict_responder", "OICT", "b-oict")
    page.goto("/login")
    if _db_name() == "sqlite":
        shot(page, "login")
    _login(page, name)
    page.goto("/incidents/new")
    page.fill("#title", "Door controllers hijacked during phishing campaign")
    page.check("input[name=vectors][value=digital]")
    page.check("input[name=effects][value=programme_disruption]")
    page.check("input[name=effects][value=premises_security_gap]")
    page.select_option("#deliberate", "yes")
    page.select_option("#severity", "critical")
    page.fill("#location", "Geneva HQ, building S")
    page.fill("#detection_sensor", "edr-gva-7")
    page.fill("#detection_indicators", "198.51.100.23")
    page.click("text=Create incident")
    page.wait_for_url("**/incidents/*")
    assert page.inner_text("#routing-rule") == "R3"
    assert page.inner_text("#partner-units") == "DSS"
    assert "edr-gva-7" in page.inner_text("#detection")
    assert page.locator("#transitions button", has_text="Acknowledge").count() == 1
    page.fill("textarea[name=body]", "Isolated the controllers' VLAN.")
    page.click("text=Add comment")
    assert "Isolated the controllers" in page.inner_text("#timeline")
    if _db_name() == "sqlite":
        shot(page, "incident")
        page.goto("/incidents")
        shot(page, "incident-list")


def test_dss_sees_neither_detection_nor_pure_cyber_incidents(page):
    detection = {"sensor": "SENSOR-SECRET-1", "rule": "RULE-SECRET-1", "indicators": ["203.0.113.77"]}
    hybrid = make_incident(hybrid=True, title="Hybrid visible to DSS", detection=detection)
    cyber = make_incident(title="Pure cyber, OICT only", detection=detection)
    hybrid_id, cyber_id = hybrid.id, cyber.id
    name = _user("dss_officer", "DSS", "b-dss")
    _login(page, name)
    response = page.goto(f"/incidents/{hybrid_id}")
    assert response.status == 200
    assert page.locator("#detection").count() == 0
    html = page.content()
    for secret in ("SENSOR-SECRET-1", "RULE-SECRET-1", "203.0.113.77"):
        assert secret not in html
    assert page.goto(f"/incidents/{cyber_id}").status == 404
    page.goto("/incidents")
    assert "Pure cyber, OICT only" not in page.content()
    assert "Hybrid visible to DSS" in page.content()


def test_manager_dashboard_matches_the_api(page):
    small_world()
    make_assessment([("cyber", 5, 5), ("physical", 5, 5), ("physical", 2, 3), ("cyber", 1, 4)])
    extra = make_incident(hybrid=True, severity="critical")
    transition_incident(SYSTEM, extra.id, "acknowledged")
    transition_incident(SYSTEM, extra.id, "contained")
    name = _user("manager", None, "b-manager")
    _login(page, name)
    page.goto("/dashboard")
    api = page.context.request.get("/api/v1/dashboard").json()
    for li in range(1, 6):
        for ii in range(1, 6):
            cell = page.inner_text(f'#heatmap-table td[data-l="{li}"][data-i="{ii}"]')
            svg = page.text_content(f'#heatmap text[data-l="{li}"][data-i="{ii}"]')
            assert int(cell) == int(svg) == api["risk_heatmap"]["counts"][li - 1][ii - 1]
    assert api["risk_heatmap"]["counts"][4][4] == 2 and api["risk_heatmap"]["total"] == 4
    assert int(page.inner_text('#heatmap-table td[data-l="5"][data-i="5"]')) == 2
    assert int(page.inner_text("#open-total")) == api["open_incidents"]["total"] == 4
    assert int(page.inner_text("#hybrid-count")) == api["hybrid"]["count"] == 3
    assert page.locator("svg").count() >= 6
    if _db_name() == "sqlite":
        shot(page, "dashboard")


def test_bad_field_shows_the_error_next_to_it_and_creates_nothing(page):
    name = _user("oict_responder", "OICT", "b-oict2")
    _login(page, name)
    before = _incidents()
    page.goto("/incidents/new")
    page.fill("#title", "   ")  # the form is novalidate: the server decides
    page.check("input[name=vectors][value=digital]")
    page.click("text=Create incident")
    error = page.locator("#field-title .field-error")
    assert error.count() == 1 and "required" in error.inner_text()
    assert page.get_attribute("#title", "aria-invalid") == "true"
    assert page.locator("#field-severity .field-error").count() == 0
    assert _incidents() == before


def test_a_post_without_csrf_is_refused(page):
    name = _user("oict_responder", "OICT", "b-oict3")
    _login(page, name)
    before = _incidents()
    response = page.context.request.post(
        "/incidents/new",
        form={"title": "Forged", "vectors": "digital", "severity": "high", "tlp": "TLP:AMBER", "deliberate": ""},
    )
    assert response.status == 400
    assert "CSRF" in response.text()
    assert _incidents() == before


def _joint_assessment() -> int:
    incident = make_incident(hybrid=True, title="Badge system intrusion at the gate")
    joint = joint_assessment_of(incident.id)
    cyber = add_threat(SYSTEM, joint.id, threat("cyber", 4, 5, "Access-control server takeover"))
    add_measure(SYSTEM, joint.id, cyber.id, measure("OICT", 2, 2))
    add_threat(SYSTEM, joint.id, threat("physical", 3, 4, "Tailgating through unlocked doors"))
    aid = joint.id
    release()
    return aid


def _sign(page: Any, aid: int) -> None:
    page.goto(f"/assessments/{aid}")
    with page.expect_navigation():
        page.click("#sign-button")
    assert page.url.endswith(f"/assessments/{aid}#signoffs")  # post/redirect/get, at the sign-off box


def test_dss_signs_a_joint_assessment_after_oict(page):
    aid = _joint_assessment()
    oict, dss = _user("oict_responder", "OICT", "b-oict4"), _user("dss_officer", "DSS", "b-dss2")
    _login(page, oict)
    _sign(page, aid)
    assert "Signed" in page.inner_text("#signoff-OICT") and "Not signed" in page.inner_text("#signoff-DSS")
    assert page.inner_text("#assessment-status") == "Draft"
    assert page.locator("#sign-button").count() == 0
    if _db_name() == "sqlite":
        shot(page, "assessment")
    page.context.clear_cookies()
    _login(page, dss)
    page.goto(f"/assessments/{aid}")
    assert "Access-control server takeover" in page.inner_text("#threats")
    assert "details for cyber-cleared units only" in page.inner_text("#threats")
    assert page.locator("#add-measure option", has_text="Access-control").count() == 0
    _sign(page, aid)
    assert page.inner_text("#assessment-status") == "Signed"
    assert "Not signed" not in page.inner_text("#signoffs")
    if _db_name() == "sqlite":
        shot(page, "assessment-signed")
