"""The six official languages in a real browser (issue 19): the incident page, the dashboard and the
governance report in each language (screenshots in test-output/screenshots/), Arabic right to left
and usable at 390 px, and need to know unchanged whatever the language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations

from incident_hub.i18n import LANGUAGES
from tests.browser.conftest import release, shot
from tests.factories import PASSWORD, make_incident, make_user

pytestmark = pytest.mark.browser
CATALOGUES = Path(__file__).resolve().parents[2] / "incident_hub" / "translations"
PAGES = {"incident": "Timeline", "dashboard": "Dashboard", "governance": "Governance report"}


def translated(lang: str, text: str) -> str:
    return Translations.load(str(CATALOGUES), [lang]).gettext(text)


def _login(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def manager_with_incident(page: Any) -> int:
    make_user("manager", None, "polyglot")
    incident_id = make_incident(hybrid=True, severity="high").id
    release()
    _login(page, "polyglot")
    return incident_id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_incident_dashboard_and_report_speak_each_language(page, manager_with_incident, lang):
    paths = {
        "incident": f"/incidents/{manager_with_incident}",
        "dashboard": "/dashboard",
        "governance": "/reports/governance",
    }
    for name, path in paths.items():
        page.goto(f"{path}?lang={lang}")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        heading = translated(lang, PAGES[name])
        assert heading in page.inner_text("main")
        if lang != "en":
            assert heading != PAGES[name], f"{PAGES[name]!r} has no {lang} translation"
        shot(page, f"lang-{lang}-{name}")


def test_arabic_fits_a_phone_without_sideways_scrolling(chromium, live_server):
    make_user("dss_officer", "DSS", "duty-officer")
    incident_id = make_incident(hybrid=True).id
    release()
    context = chromium.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="ar")
    tab = context.new_page()
    try:
        _login(tab, "duty-officer")
        for path in ("/", "/incidents", f"/incidents/{incident_id}", "/actions", "/assessments"):
            tab.goto(path)
            assert tab.get_attribute("html", "dir") == "rtl"
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px in Arabic at 390 px"
        shot(tab, "lang-ar-phone-incident")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "ar", "zh"])
def test_need_to_know_holds_in_every_language(chromium, live_server, lang):
    make_user("dss_officer", "DSS", f"dss-{lang}")
    incident_id = make_incident(hybrid=True, detection={"indicators": ["203.0.113.99-marker"]}).id
    release()
    context = chromium.new_context(base_url=live_server, locale=lang)
    tab = context.new_page()
    try:
        _login(tab, f"dss-{lang}")
        tab.goto(f"/incidents/{incident_id}")
        assert tab.get_attribute("html", "lang") == lang
        assert "203.0.113.99-marker" not in tab.content()
    finally:
        context.close()
