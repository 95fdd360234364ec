"""Every page for every role: 200 / 403 / 404 / redirect, need to know, and security headers."""

from __future__ import annotations

import pytest

from tests.factories import PHYSICAL_ONLY_FACTS, make_incident
from tests.web.assess_data import make_assessment
from tests.web.data import make_action, small_world

EVERYONE_PAGES = ("/", "/incidents", "/incidents/new", "/actions", "/actions?mine=1", "/assessments", "/playbooks")
MANAGER_PAGES = ("/dashboard", "/reports/governance", "/audit")
ADMIN_PAGES = ("/admin/users", "/admin/sources")


@pytest.mark.parametrize("role", ["oict", "dss", "manager", "admin"])
def test_pages_by_role(app, request, role):
    browser = request.getfixturevalue(role)
    small_world()
    for path in EVERYONE_PAGES:
        assert browser.get(path).status_code == 200, path
    expected_manager = 200 if role in ("manager", "admin") else 403
    for path in MANAGER_PAGES:
        assert browser.get(path).status_code == expected_manager, path
    for path in ADMIN_PAGES:
        assert browser.get(path).status_code == (200 if role == "admin" else 403), path


def test_anonymous_is_redirected_to_login(client):
    for path in (*EVERYONE_PAGES, *MANAGER_PAGES, *ADMIN_PAGES, "/incidents/1", "/incidents/1/edit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_nav_is_role_aware(oict, manager, admin):
    assert "/dashboard" not in oict.text("/") and "/admin/users" not in oict.text("/")
    assert "/dashboard" in manager.text("/") and "/admin/users" not in manager.text("/")
    assert "/admin/users" in admin.text("/") and "/audit" in admin.text("/")


def test_dss_never_sees_detection_nor_pure_cyber_incidents(dss, oict):
    secret = {"sensor": "SENSOR-XYZ", "rule": "RULE-XYZ", "indicators": ["203.0.113.9"]}
    hybrid = make_incident(hybrid=True, detection=secret, title="Hybrid one")
    cyber = make_incident(detection=secret, title="Cyber only one")
    page = dss.text(f"/incidents/{hybrid.id}")
    assert "Hybrid one" in page
    for word in ("SENSOR-XYZ", "RULE-XYZ", "203.0.113.9", 'id="detection"'):
        assert word not in page
    assert dss.get(f"/incidents/{hybrid.id}/edit").status_code == 403  # OICT leads it
    physical = make_incident(detection=secret, **PHYSICAL_ONLY_FACTS)  # R4: DSS leads
    edit = dss.get(f"/incidents/{physical.id}/edit")
    assert edit.status_code == 200 and "detection_sensor" not in edit.get_data(as_text=True)
    assert "SENSOR-XYZ" not in edit.get_data(as_text=True)
    assert "detection_sensor" not in dss.text("/incidents/new")
    assert dss.get(f"/incidents/{cyber.id}").status_code == 404
    assert dss.get(f"/incidents/{cyber.id}/edit").status_code == 404
    assert "Cyber only one" not in dss.text("/incidents")
    assert "SENSOR-XYZ" in oict.text(f"/incidents/{hybrid.id}")


def test_unknown_incident_is_404(oict):
    assert oict.get("/incidents/999999").status_code == 404


def test_incident_page_shows_classification_routing_and_actions(oict):
    incident = make_incident(hybrid=True)
    make_action(incident.id, "DSS", None, "Seal the server room")
    page = oict.text(f"/incidents/{incident.id}")
    assert 'id="routing-rule">R3<' in page and 'id="partner-units">DSS<' in page
    assert "Programme disruption" in page and "The effects include programme disruption." in page
    assert "Seal the server room" in page
    assert 'value="acknowledged"' in page and 'value="resolved"' not in page  # only allowed transitions
    assert "Incident created" in page  # timeline


def test_list_filters_sort_and_pagination(oict):
    for i in range(30):
        make_incident(hybrid=i % 2 == 0, title=f"Case {i:02d}", severity="high" if i < 5 else "low")
    page = oict.text("/incidents?severity=high&sort=title")
    assert "5 incidents" in page
    assert page.index("Case 00") < page.index("Case 04")
    assert "10 incidents" not in oict.text("/incidents?rule=R3&per_page=10")
    first = oict.text("/incidents?per_page=10")
    assert "Page 1 of 3" in first and "Next" in first
    assert "Case 29" in first and "Case 00" not in first
    assert "Case 00" in oict.text("/incidents?per_page=10&page=3")
    assert "1 incident" in oict.text("/incidents?q=Case+07")
    assert oict.get("/incidents?severity=bogus&sort=nope&page=x").status_code == 200


def test_html_is_escaped(oict):
    incident = make_incident(title="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    page = oict.text(f"/incidents/{incident.id}")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "<script>alert" not in oict.text("/incidents")


def test_security_headers_on_pages(oict, manager):
    incident = make_incident()
    for browser, path in ((oict, "/"), (oict, f"/incidents/{incident.id}"), (manager, "/dashboard"), (oict, "/login")):
        headers = browser.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_style(manager, oict):
    incident = make_incident(hybrid=True)
    for browser, path in ((manager, "/dashboard"), (oict, f"/incidents/{incident.id}"), (manager, "/audit")):
        page = browser.text(path)
        assert "<script>" not in page and "style=" not in page and "<style" not in page, path


def test_home_lists_my_work(oict, dss):
    small_world()
    home = oict.text("/")
    assert "Overdue step" in home and "Write lessons learned" in home
    dss_home = dss.text("/")
    assert "Check the premises" in dss_home and "Overdue step" not in dss_home


def test_actions_board(oict, dss):
    small_world()
    board = oict.text("/actions")
    assert 'id="col-open"' in board and "Overdue step" in board and "action-card overdue" in board
    assert "Check the premises" in board  # OICT is cyber-cleared: every action
    mine = oict.text("/actions?mine=1")
    assert "Check the premises" not in mine and "Overdue step" in mine
    assert "Write lessons learned" not in dss.text("/actions")  # a pure-cyber incident's action


def test_dashboard_page_matches_api(manager, as_manager):
    small_world()
    make_assessment([("cyber", 5, 5), ("physical", 5, 5), ("physical", 1, 2)])
    page = manager.text("/dashboard")
    api = as_manager.get("/api/v1/dashboard").get_json()
    assert f'id="open-total">{api["open_incidents"]["total"]}<' in page
    assert f'id="hybrid-count">{api["hybrid"]["count"]}<' in page
    for li in range(5):
        for ii in range(5):
            cell = f'data-l="{li + 1}" data-i="{ii + 1}" title="{api["risk_heatmap"]["levels"][li][ii]}">'
            assert cell + f"{api['risk_heatmap']['counts'][li][ii]}<" in page
    assert api["risk_heatmap"]["counts"][4][4] == 2 and api["risk_heatmap"]["total"] == 3
    assert "<svg" in page and 'id="trend-table"' in page


def test_audit_viewer(manager):
    incident = make_incident()
    page = manager.text("/audit?object_type=incident")
    assert "incident.create" in page and f"incident {incident.id}" in page
