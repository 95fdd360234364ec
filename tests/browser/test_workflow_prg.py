"""Post/redirect/get in a real Chromium (issue 12 "Safety"): after a refused and after an accepted POST
the browser is on a page it got with GET, so a reload sends nothing again — an incident's form (the
refusal lands on the error with what was typed), an admin's new user (the generated password is
shown once: a reload shows it no more) and a wrong password at sign-in (the page keeps the username,
never the password; a reload counts no second failure), and a wrong second-factor code (the page stays
on the same pending sign-in, which a recovery code then completes)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, Incident, LoginFailure, User
from incident_hub.services.admin import mfa
from tests.browser.conftest import release
from tests.browser.page_checks import assert_axe_clean, fits_a_phone
from tests.browser.workflow_support import login, submit, user
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _counts(*models: Any) -> tuple[int, ...]:
    db.session.expire_all()
    found = tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in models)
    release()
    return found


def test_incident_form_refused_then_accepted_and_reloads_send_nothing(page):
    login(page, user("oict_responder", "OICT", "prg-oict"))
    page.goto("/incidents/new")
    page.fill("#description", "Badge readers at gate 4 accept any card since 02:10.")
    page.check("input[name=vectors][value=digital]")
    submit(page, "#save-button")  # no title: refused, on the error, as typed
    assert "draft=" in page.url and page.url.endswith("#field-title")
    assert page.input_value("#description") == "Badge readers at gate 4 accept any card since 02:10."
    assert page.is_checked("input[name=vectors][value=digital]")
    assert_axe_clean(page)
    fits_a_phone(page)
    before = _counts(Incident, AuditEntry)
    page.reload()
    assert _counts(Incident, AuditEntry) == before
    page.fill("#title", "Gate 4 badge readers open to any card")
    submit(page, "#save-button")
    assert page.inner_text("h1").startswith("Gate 4 badge readers") or "Gate 4 badge readers" in page.content()
    after = _counts(Incident, AuditEntry)
    assert after[0] == before[0] + 1
    page.reload()
    assert _counts(Incident, AuditEntry) == after


def test_admin_new_user_password_shown_once_and_reload_sends_nothing(page):
    login(page, user("admin", None, "prg-admin"))
    page.goto("/admin/users")
    page.fill("#user-username", "prg-newbie")
    page.select_option("#user-role", "dss_officer")
    page.select_option("#user-unit", "OICT")  # M1: refused, at the field
    submit(page, "#new-user button")
    assert "draft=" in page.url and "Physical security" in page.inner_text("#new-user")  # the mandate by its label
    assert page.input_value("#user-username") == "prg-newbie"
    page.select_option("#user-unit", "DSS")
    submit(page, "#new-user button")
    secret = page.inner_text("#secret .secret-value")
    assert len(secret) >= 10
    users = _counts(User)
    page.reload()  # shown once; nothing is created again
    assert page.locator("#secret").count() == 0 and secret not in page.content()
    assert _counts(User) == users


def test_wrong_password_then_reload_sends_nothing_and_shows_the_error(page):
    name = user("manager", None, "prg-manager")
    page.goto("/login?next=/actions")
    page.fill("#username", name)
    page.fill("#password", "not-the-password")
    submit(page, "main button[type=submit]")
    assert "draft=" in page.url and page.url.endswith("#sign-in-error") and "next=/actions" in page.url
    assert page.inner_text("#sign-in-error") == "Unknown username or wrong password."
    assert page.input_value("#username") == name and page.input_value("#password") == ""
    assert_axe_clean(page)
    fits_a_phone(page)
    failures, landed = _counts(LoginFailure), page.url
    page.reload()  # no "resend the form?" prompt: this page came from a GET
    assert page.url == landed and page.inner_text("#sign-in-error") == "Unknown username or wrong password."
    assert _counts(LoginFailure) == failures  # the reload tried nothing again
    page.fill("#password", PASSWORD)
    submit(page, "main button[type=submit]")
    assert page.url.endswith("/actions")


def test_wrong_second_factor_code_then_reload_stays_on_the_pending_step(page):
    name = user("manager", None, "prg-two-step")
    secret = mfa.new_secret()
    uid = db.session.execute(select(User.id).where(User.username == name)).scalar_one()
    codes = mfa.confirm_enrolment(uid, secret, pyotp.TOTP(secret).now())
    release()
    login(page, name)
    assert page.url.endswith("/login/mfa")
    page.fill("#code", "000000")
    submit(page, "main button[type=submit]")
    assert "/login/mfa?draft=" in page.url and page.inner_text("#sign-in-error") == "That code is not valid."
    assert page.input_value("#code") == ""  # never kept
    assert_axe_clean(page)
    fits_a_phone(page)
    failures = _counts(LoginFailure)
    page.reload()
    assert page.inner_text("#sign-in-error") == "That code is not valid." and _counts(LoginFailure) == failures
    page.fill("#code", codes[0])
    submit(page, "main button[type=submit]")
    assert page.url.endswith("/") and page.locator("#overdue-now").count() == 1  # signed in: home
