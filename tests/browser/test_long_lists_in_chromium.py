"""A long incident list in a real browser (issue 18, "Lists at 1,000,000 incidents"): past the
exact-count threshold the page says "about N" and its pager offers no "Last" page; an exact count
stays exact. A threshold of 3 stands in for 10,000."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.browser.conftest import release
from tests.factories import PASSWORD, make_incident, make_user

pytestmark = pytest.mark.browser


def test_an_estimated_total_reads_about_and_pages_on(app, page, monkeypatch):
    current = app.extensions["incident_hub"]
    settings = current.settings.with_(list_exact_total_max=3)
    monkeypatch.setitem(app.extensions, "incident_hub", replace(current, settings=settings))
    for i in range(6):
        make_incident(title=f"Tailgating at gate {i}", severity="critical" if i == 0 else "high")
    make_user("oict_responder", "OICT", "long-oict")
    release()
    page.goto("/login")
    page.fill("#username", "long-oict")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/incidents?per_page=2&sort=status")
    assert page.inner_text("#incident-total").startswith("about ")
    pager = page.locator("nav.pager")
    assert "of about" in pager.inner_text() and pager.locator("text=Last »").count() == 0
    first = page.locator("#incident-list tbody tr").all_inner_texts()
    pager.locator("text=Next ›").click()
    page.wait_for_url(lambda url: "page=2" in url)
    second = page.locator("#incident-list tbody tr").all_inner_texts()
    assert len(first) == len(second) == 2 and not set(first) & set(second)
    page.goto("/incidents?severity=critical")
    assert page.inner_text("#incident-total") == "1 incident"
