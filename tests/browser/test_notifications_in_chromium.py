"""The bell in a real browser: the static script polls the unread count (no inline script under the
strict CSP), the notifications page marks them read, and the preferences page saves a choice."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import release
from tests.browser.test_pages_in_chromium import _login, _user
from tests.factories import make_incident

pytestmark = pytest.mark.browser


def test_bell_updates_and_notifications_are_marked_read(page: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 800})
    name = _user("dss_officer", "DSS", "bell-dss")
    _login(page, name)
    assert page.locator("#bell-count").inner_text() == "0"
    assert page.locator("#bell").is_visible()
    make_incident(hybrid=True, title="Hybrid for the bell")
    release()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # the script polls on it
    expect(page.locator("#bell-count")).to_have_text("1")  # no wait_for_function: the CSP forbids eval
    assert page.locator("#bell").get_attribute("aria-label") == "Notifications: 1 unread"
    page.click("#bell")
    page.wait_for_url("**/notifications")
    assert "Hybrid for the bell" in page.content()
    page.click("text=Mark all read")
    page.wait_for_url("**/notifications")
    assert page.locator("#bell-count").inner_text() == "0"
    page.goto("/settings/notifications")
    page.check("input[name='incident.status_changed:email']")
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_url("**/settings/notifications")
    assert page.locator("input[name='incident.status_changed:email']").is_checked()
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
