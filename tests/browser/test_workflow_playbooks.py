"""Playbooks on an incident in a real browser: an OICT responder of the lead unit sees which
playbooks matched and why, applies one by hand, detaches one (confirming), and previews a facts
edit before saving it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import release
from tests.browser.workflow_support import login, submit, user
from tests.factories import make_incident

pytestmark = pytest.mark.browser


def test_responder_applies_detaches_and_previews(page):
    iid = make_incident(severity="high", title="Public portal flooded").id
    release()
    login(page, user("oict_responder", "OICT", "w-oict-pb"))
    page.goto(f"/incidents/{iid}")
    ddos = page.locator("#playbook-ddos-public-service")
    assert "matches" in ddos.inner_text() and "applied" in ddos.locator(".playbook-state").inner_text()
    hybrid = page.locator("#playbook-hybrid-access-control")
    assert "does not match" in hybrid.inner_text() and "✗" in hybrid.inner_text()
    submit(page, "#playbook-hybrid-access-control .apply-form button")
    assert "applied by hand" in page.inner_text("#playbook-hybrid-access-control .playbook-state")
    page.fill("#playbook-ddos-public-service input[type=text]", "Traffic came from our own monitoring probe.")
    submit(page, "#playbook-ddos-public-service .detach-form button")
    assert "Traffic came from our own monitoring probe." in page.inner_text("#playbook-ddos-public-service")
    assert "cancelled" in page.inner_text("#incident-actions").lower()
    page.goto(f"/incidents/{iid}/edit")
    page.check("input[name=effects][value=programme_disruption]")
    page.check("input[name=effects][value=premises_security_gap]")
    page.select_option("#deliberate", "yes")
    submit(page, "#preview-button")
    assert "R3" in page.inner_text("#preview-rule") and page.locator("#preview-joint").count() == 1
    assert page.locator("input[name=effects][value=premises_security_gap]").is_checked()  # the form kept the edit
    submit(page, "#save-button")
    assert page.inner_text("#routing-rule") == "R3"
