"""Look and feel in a real Chromium (issue 12): axe-core on every page (no `serious` or `critical`
violation, light and dark themes), no sideways scrolling at 390×844 (the header collapses into a
menu, the board stacks, tables scroll in their own box), the confirmation dialog, and the
screenshots of README and docs/web.md (desktop and phone, taken on SQLite).

Every GET page of the `web` blueprint is visited: a page another change adds is checked too, as long
as its URL's parameters are among `PARAMETERS` (a page whose parameter is unknown fails the test
until it is added there).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from incident_hub.extensions import db
from incident_hub.models import Action, Playbook, Source, User
from incident_hub.services.assessments.threats import add_measure, add_threat
from incident_hub.services.intake.sources import create_source
from tests.browser.conftest import SCREENSHOTS, release
from tests.browser.page_checks import AXE_FIGURES, PHONE, axe_blocking, describe, no_sideways_scroll
from tests.factories import PASSWORD, SYSTEM, make_incident, make_user
from tests.web.assess_data import joint_assessment_of, measure, threat
from tests.web.data import make_action, small_world

pytestmark = pytest.mark.browser

# Pages that show the same template for another id or filter: visited once more with these arguments.
EXTRA_PAGES = ("/actions?view=list", "/actions?mine=1", "/incidents?q=badge", "/assessments?review_due=yes")
PHONE_PAGES = {
    "home": "/",
    "incidents": "/incidents",
    "incident": "/incidents/{incident_id}",
    "actions": "/actions",
    "actions-list": "/actions?view=list",
    "assessment": "/assessments/{assessment_id}",
    "dashboard": "/dashboard",
}


def _world() -> dict[str, Any]:
    """A realistic little world: incidents of every rule, a joint assessment with threats, actions."""
    ids = small_world()
    incident = make_incident(
        hybrid=True,
        severity="critical",
        title="Badge system intrusion at the Geneva gate",
        description="Access-control server reached from a phishing foothold; two doors unlocked at night.",
        location="Geneva HQ, gate 3",
        detection={"sensor": "edr-gva-7", "rule": "acs-anomaly", "indicators": ["198.51.100.23"]},
    )
    joint = joint_assessment_of(incident.id)
    cyber = add_threat(SYSTEM, joint.id, threat("cyber", 4, 5, "Access-control server takeover"))
    add_measure(SYSTEM, joint.id, cyber.id, measure("OICT", 2, 2))
    physical = add_threat(SYSTEM, joint.id, threat("physical", 3, 4, "Tailgating through unlocked doors"))
    guard = add_measure(SYSTEM, joint.id, physical.id, {**measure("DSS", 2, 3), "description": "Guard at gate 3"})
    make_action(incident.id, "DSS", None, "Post guards at gate 3")
    create_source(SYSTEM.username, "prometheus-gva", "alertmanager")
    make_user("oict_responder", "OICT", "ui-oict")
    make_user("dss_officer", "DSS", "ui-dss")
    make_user("manager", None, "ui-manager")
    make_user("admin", None, "ui-admin")
    values = {
        "incident_id": incident.id,
        "assessment_id": joint.id,
        "threat_id": physical.id,
        "measure_id": guard.id,
        "action_id": db.session.query(Action.id).filter(Action.incident_id == incident.id).first()[0],
        "playbook_id": db.session.query(Playbook.id).first()[0],
        "source_id": (db.session.query(Source.id).first() or [None])[0],
        "username": "ui-dss",
        "user_id": db.session.query(User.id).filter(User.username == "ui-dss").scalar(),
        **ids,
    }
    release()
    return values


def _login(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def _pages(app: Flask, values: dict[str, Any]) -> list[str]:
    """Every GET page of the web blueprint, its parameters filled from `values`."""
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint in ("web.logout", "web.login") or rule.rule.startswith("/login/"):
            continue
        missing = [a for a in rule.arguments if values.get(a) is None]
        assert not missing, f"{rule.rule}: add a value for {missing} to the page sweep"
        paths.append(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule))
    return sorted(set(paths)) + list(EXTRA_PAGES)


def _sweep(page: Any, paths: list[str], refused_ok: bool = False) -> dict[str, str]:
    """axe on each page; a page refused to this role (403/404) is its error page, checked too."""
    problems = {}
    for path in paths:
        response = page.goto(path)
        ok = response is not None and (response.status < 400 or (refused_ok and response.status in (403, 404)))
        assert ok, (path, response and response.status)
        AXE_FIGURES["pages"] += 1
        blocking = axe_blocking(page)
        if blocking:
            problems[path] = describe(blocking)
    return problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_any_page(chromium, live_server, app, scheme):
    values = _world()
    paths = _pages(app, values)
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login")
        problems = {"/login": describe(axe_blocking(page))} if axe_blocking(page) else {}
        page.goto("/no-such-page")
        problems.update({"404": describe(b)} if (b := axe_blocking(page)) else {})
        _login(page, "ui-admin")
        problems.update(_sweep(page, paths))
        page.context.clear_cookies()
        _login(page, "ui-dss")  # another role sees other controls
        dss_paths = [p for p in paths if not p.startswith(("/admin", "/dashboard", "/reports", "/audit"))]
        problems.update({f"dss {k}": v for k, v in _sweep(page, dss_paths, refused_ok=True).items()})
    finally:
        context.close()
    print(f"axe ({scheme}): {dict(AXE_FIGURES)}")  # figures for the closing note
    assert problems == {}


def test_every_page_fits_a_phone(chromium, live_server, app):
    values = _world()
    paths = _pages(app, values)
    context = chromium.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login")
        no_sideways_scroll(page)
        _login(page, "ui-admin")
        # The header collapses into a menu button that opens the navigation.
        assert page.is_visible(".menu-toggle") and not page.is_visible("#site-nav nav")
        page.click(".menu-toggle")
        assert page.is_visible("#site-nav nav") and page.get_attribute(".menu-toggle", "aria-expanded") == "true"
        page.click("#site-nav nav a:has-text('Incidents')")
        page.wait_for_url("**/incidents")
        assert page.get_attribute("#site-nav nav a:has-text('Incidents')", "aria-current") == "page"
        for path in paths:
            page.goto(path)
            no_sideways_scroll(page)
        # The board stacks: its columns sit one under the other.
        page.goto("/actions")
        boxes = [page.locator(f"#col-{s}").bounding_box() for s in ("open", "in_progress")]
        assert boxes[0]["x"] == boxes[1]["x"] and boxes[1]["y"] > boxes[0]["y"]
        # The pages the issue names, photographed on SQLite for the docs.
        if db.engine.dialect.name == "sqlite":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for name, template in PHONE_PAGES.items():
                page.goto(template.format(**values))
                page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=False)
    finally:
        context.close()


def test_desktop_screenshots_and_menu_not_collapsed(page, app):
    values = _world()
    _login(page, "ui-oict")
    assert not page.is_visible(".menu-toggle") and page.is_visible("#site-nav nav")
    assert page.get_attribute("#site-nav nav a:has-text('My work')", "aria-current") == "page"
    # The skip link is the first thing a keyboard reaches, and it lands on the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    if db.engine.dialect.name == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name, path in (
            ("home", "/"),
            ("incident-list", "/incidents"),
            ("incident", f"/incidents/{values['incident_id']}"),
            ("actions-board", "/actions"),
            ("actions-list", "/actions?view=list"),
            ("assessment", f"/assessments/{values['assessment_id']}"),
        ):
            page.goto(path)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        page.context.clear_cookies()
        _login(page, "ui-manager")
        page.goto("/dashboard")
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def test_cancel_asks_for_confirmation_in_a_dialog(page):
    incident = make_incident()
    action = make_action(incident.id, "OICT", None, "Rotate the gate controller keys")
    action_id = action.id
    make_user("oict_responder", "OICT", "ui-oict2")
    release()
    _login(page, "ui-oict2")
    page.goto("/actions")
    cancel = f"#action-{action_id}-cancelled button"
    page.click(f"details:has(#action-{action_id}-cancelled) summary")
    page.fill(f"#a{action_id}-reason-cancelled", "The controllers are being replaced")
    page.click(cancel)
    assert page.is_visible("dialog.confirm") and "cannot be reopened" in page.inner_text("#confirm-message")
    page.click("#confirm-cancel")  # "Go back": nothing is sent
    assert not page.is_visible("dialog.confirm")
    page.reload()
    assert page.locator(cancel).count() == 1
    page.click(f"details:has(#action-{action_id}-cancelled) summary")
    page.fill(f"#a{action_id}-reason-cancelled", "The controllers are being replaced")
    page.click(cancel)
    page.click("#confirm-ok")
    page.wait_for_load_state()
    assert "is now cancelled" in page.inner_text(".flash")
    db.session.expire_all()
    cancelled = db.session.get(Action, action_id)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "The controllers are being replaced")
    release()
