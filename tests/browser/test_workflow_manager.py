"""A manager before a briefing, in a real browser (issue 12 "Managers"): the home page and the
dashboard say the same "overdue now", each figure opens the list behind it — the overdue actions
across units, most late first, sortable — and the dashboard's per-unit figure opens that unit's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incident_hub.clock import utcnow
from tests.browser.conftest import release
from tests.browser.page_checks import assert_axe_clean, fits_a_phone
from tests.browser.workflow_support import login, user
from tests.factories import make_incident
from tests.web.data import drop_playbook_actions, make_action

pytestmark = pytest.mark.browser


def _titles(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_manager_follows_overdue_now_from_home_and_dashboard(page):
    hybrid, other = make_incident(hybrid=True), make_incident()
    drop_playbook_actions()
    make_action(hybrid.id, "DSS", utcnow() - timedelta(hours=1), "Guard gate 4 (DSS, 1 h late)")
    make_action(hybrid.id, "OICT", utcnow() - timedelta(hours=5), "Reset badges (OICT, 5 h late)")
    make_action(other.id, "OICT", utcnow() + timedelta(days=1), "Patch the portal (due tomorrow)")
    release()
    login(page, user("manager", None, "w-briefing"))
    home_count = page.inner_text("#overdue-now-count")
    assert home_count == "2"
    with page.expect_navigation():
        page.click("#overdue-now a")
    assert page.url.endswith("/actions?overdue=1")
    shown = page.inner_text("main")
    assert "Patch the portal" not in shown and "Reset badges" in shown and "Guard gate 4" in shown
    assert shown.index("Reset badges") < shown.index("Guard gate 4")  # most late first
    assert_axe_clean(page)
    fits_a_phone(page)

    with page.expect_navigation():
        page.click("#view-list")
    rows = _titles(page, "#action-list tbody tr td:nth-child(3) a")
    assert rows == ["Reset badges (OICT, 5 h late)", "Guard gate 4 (DSS, 1 h late)"]
    assert page.inner_text("#action-list thead th[aria-sort]").startswith("Due")
    assert page.get_attribute("#action-list thead th[aria-sort]", "aria-sort") == "ascending"  # most late first
    with page.expect_navigation():
        page.click("#action-list thead th[aria-sort] a")  # the header again: reversed
    assert _titles(page, "#action-list tbody tr td:nth-child(3) a") == list(reversed(rows))
    assert page.get_attribute("#action-list thead th[aria-sort]", "aria-sort") == "descending"
    assert_axe_clean(page)

    page.goto("/dashboard")
    assert page.inner_text("#dashboard-overdue") == home_count
    with page.expect_navigation():
        page.click("#dashboard-overdue")
    assert page.url.endswith("/actions?overdue=1")
    page.goto("/dashboard")
    with page.expect_navigation():
        page.click("a:text-is('DSS (1)')")  # overdue by unit
    shown = page.inner_text("main")
    assert "Guard gate 4" in shown and "Reset badges" not in shown
