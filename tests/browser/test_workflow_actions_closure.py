"""Workflows in a real browser: an OICT responder works an action from its page (assign, due date
with a reason, status, comment); a manager closes an incident with open work and reopens it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incident_hub.clock import utcnow
from incident_hub.services.incidents.commands import transition_incident
from tests.browser.conftest import release
from tests.browser.workflow_support import login, submit, user
from tests.factories import SYSTEM, make_incident
from tests.web.data import drop_playbook_actions, make_action

pytestmark = pytest.mark.browser


def test_oict_works_an_action_from_its_page(page):
    incident = make_incident(hybrid=True, title="Door controllers hijacked")
    drop_playbook_actions()
    action = make_action(incident.id, "OICT", utcnow() - timedelta(hours=3), "Reset door controllers", "cyber")
    iid, aid = incident.id, action.id
    user("oict_responder", "OICT", "w-oict-colleague")
    release()
    login(page, user("oict_responder", "OICT", "w-oict"))
    page.goto(f"/incidents/{iid}")
    with page.expect_navigation():
        page.click(f"#incident-actions a[href='/actions/{aid}'] >> nth=1")
    assert page.inner_text("#action-overdue").lower() == "overdue"
    options = page.locator("#assign-assignee option").all_inner_texts()
    assert "w-oict-colleague" in options and all("dss" not in o for o in options)
    page.select_option("#assign-assignee", "w-oict-colleague")
    submit(page, "#assign-form button")
    assert page.inner_text("#action-assignee") == "w-oict-colleague"
    page.fill("#due-due_at", "2031-03-04T05:06")
    submit(page, "#due-form button")  # no reason: refused, said at the field
    assert "This field is required" in page.inner_text("#field-due-reason")
    page.fill("#due-due_at", "2031-03-04T05:06")
    page.fill("#due-reason", "The vendor's engineer comes on the 4th")
    submit(page, "#due-form button")
    assert "2031-03-04 05:06" in page.inner_text("#action-due")
    assert "The vendor's engineer comes on the 4th" in page.inner_text("#history")
    submit(page, "#move-in_progress button")
    assert page.inner_text("#action-status").lower() == "in progress"
    page.fill("#comment-body", "Controllers isolated on VLAN 40.")
    submit(page, "#comments button")
    assert "Controllers isolated on VLAN 40." in page.inner_text("#comments")
    page.fill("#to-done-evidence", "Firmware reflashed, ticket 881")
    submit(page, "#move-done button")
    assert page.inner_text("#action-status").lower() == "done"
    assert "Firmware reflashed" in page.inner_text("#action-evidence")


def test_manager_closes_with_open_work_then_reopens(page):
    incident = make_incident(title="Ransomware on the payroll server", severity="medium")
    drop_playbook_actions()
    make_action(incident.id, "OICT", None, "Restore payroll from backup", "cyber")
    transition_incident(SYSTEM, incident.id, "acknowledged")
    iid = incident.id
    release()
    login(page, user("oict_responder", "OICT", "w-oict2"))
    page.goto(f"/incidents/{iid}")
    page.fill("#resolve-note", "Payroll restored from the 02:00 backup.")
    submit(page, "#resolve button")
    assert page.inner_text("#resolution-note") == "Payroll restored from the 02:00 backup."
    assert "Restore payroll from backup" in page.inner_text("#open-work")
    assert page.locator("#close-anyway").count() == 0
    page.context.clear_cookies()
    login(page, user("manager", None, "w-manager"))
    page.goto(f"/incidents/{iid}")
    page.fill("#override-reason", "Restoration tracked by the payroll team's own ticket.")
    submit(page, "#close-anyway button")
    assert page.inner_text("#incident-status").lower() == "closed"
    assert "payroll team's own ticket" in page.inner_text("#closure-override")
    assert page.locator("#edit-facts").count() == 0
    page.fill("#reopen-reason", "Encrypted files found on a second server.")
    submit(page, "#reopen button")
    assert page.inner_text("#incident-status").lower() == "acknowledged"
    assert "Reopened: Encrypted files found on a second server." in page.inner_text("#timeline")
