"""Two-step sign-in for local accounts: TOTP enrolment with a server-rendered QR code, sign-in with a
code and with a recovery code (each works once), required roles, and `users reset-mfa`."""

from __future__ import annotations

import re
from typing import Any

import pyotp
from flask import Flask
from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, RecoveryCode, User
from incident_hub.services.admin.users import create_user
from tests.factories import PASSWORD
from tests.web.signin_support import Clock, configure, refused_page, sign_in
from tests.web.support import Browser, csrf_from

__all__ = ["configure"]  # the fixture

SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')
CODE_RE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def _enrol(app: Flask, clock: Clock, username: str) -> tuple[Browser, str, list[str]]:
    browser, response = sign_in(app, username)
    assert response.status_code == 302
    page = browser.text("/settings/mfa")
    assert 'src="data:image/svg+xml' in page  # the QR code, rendered here
    secret = SECRET_RE.search(page).group(1)  # type: ignore[union-attr]
    wrong = browser.post("/settings/mfa", {"code": "000917"}, csrf_page="/settings/mfa")
    assert wrong.status_code == 303 and wrong.headers["Location"].endswith("#code")
    refused = browser.text(wrong.headers["Location"].split("#")[0])
    assert "this code does not match" in refused and "000917" not in refused
    assert SECRET_RE.search(refused).group(1) == secret  # type: ignore[union-attr]  # the same key to scan
    code = pyotp.TOTP(secret).at(clock())
    done = browser.post("/settings/mfa", {"code": code}, csrf_page="/settings/mfa")
    assert done.status_code == 303 and done.headers["Location"] == "/settings/mfa"
    shown = browser.get("/settings/mfa")
    assert shown.headers["Cache-Control"] == "no-store"
    codes = CODE_RE.findall(shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    reloaded = browser.text("/settings/mfa")  # shown once: a reload shows the settings, no code
    assert not CODE_RE.findall(reloaded) and "Recovery codes left: 10" in reloaded
    return browser, secret, codes


def _second_step(app: Flask, username: str, code: str) -> tuple[Browser, Any]:
    browser, response = sign_in(app, username)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/mfa")
    assert browser.get("/").status_code == 302  # not signed in yet
    answer = browser.post("/login/mfa", {"code": code}, csrf_page="/login/mfa")
    return browser, answer


def test_enrol_then_sign_in_with_a_code_once_and_a_recovery_code_once(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock)
    create_user("tess", "manager", None, PASSWORD, actor="test")
    enrolled, secret, codes = _enrol(app, clock, "tess")
    assert enrolled.get("/").status_code == 200  # the enrolling session goes on
    user = db.session.execute(select(User).where(User.username == "tess")).scalar_one()
    assert user.mfa_enabled and secret not in (user.mfa_secret or "")  # stored encrypted
    stored = db.session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).scalars()
    assert not set(codes) & set(stored)  # stored hashed

    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock())
    browser, answer = _second_step(app, "tess", code)
    assert answer.status_code == 302
    assert browser.get("/").status_code == 200

    replayed, replay = _second_step(app, "tess", code)  # the same code again: refused
    assert "That code is not valid." in refused_page(replayed, replay)

    browser, answer = _second_step(app, "tess", codes[3].upper())
    assert answer.status_code == 302 and browser.get("/").status_code == 200
    reused, again = _second_step(app, "tess", codes[3])
    assert "That code is not valid." in refused_page(reused, again)
    used = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.mfa_recovery_code_used")).scalars()
    assert [entry.after["codes_left"] for entry in used] == [9]
    assert browser.text("/settings/mfa").count("Recovery codes left: 9") == 1


def test_a_required_role_must_enrol_before_anything_else(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock, mfa_required_roles=("admin",))
    create_user("root", "admin", None, PASSWORD, actor="test")
    browser, response = sign_in(app, "root")
    assert response.headers["Location"].endswith("/settings/mfa")
    blocked = browser.get("/incidents")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/settings/mfa")
    assert browser.get("/api/v1/incidents").status_code == 403
    assert "Your role needs two-step sign-in" in browser.text("/settings/mfa")
    create_user("plain", "manager", None, PASSWORD, actor="test")
    other, response = sign_in(app, "plain")  # optional for the others
    assert response.headers["Location"].endswith("/") and other.get("/incidents").status_code == 200


def test_reset_mfa_from_the_command_line(app: Flask, configure: Any, runner: Any) -> None:
    clock = Clock()
    configure(clock=clock)
    create_user("lost", "manager", None, PASSWORD, actor="test")
    enrolled, _, _ = _enrol(app, clock, "lost")
    result = runner.invoke(args=["users", "reset-mfa", "lost"])
    assert result.exit_code == 0, result.output
    assert enrolled.get("/").status_code == 302  # sessions ended
    browser, response = sign_in(app, "lost")
    assert response.status_code == 302 and not response.headers["Location"].endswith("/login/mfa")
    assert browser.get("/").status_code == 200
    assert runner.invoke(args=["users", "reset-mfa", "nobody"]).exit_code == 1


def test_the_second_step_expires_and_cannot_be_skipped(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock)
    create_user("slow", "manager", None, PASSWORD, actor="test")
    _, secret, _ = _enrol(app, clock, "slow")
    browser, _ = sign_in(app, "slow")
    clock.advance(minutes=6)
    late = browser.post("/login/mfa", {"code": pyotp.TOTP(secret).at(clock())}, csrf_page=None)
    assert late.status_code == 302 and late.headers["Location"].endswith("/login")
    assert browser.get("/").status_code == 302


def test_a_refused_code_lands_back_on_the_pending_step_which_still_works(app: Flask, configure: Any) -> None:
    """Post/redirect/get on the second step: the refusal is shown on the GET page of the same pending
    sign-in (a reload signs nobody in), the code is never kept, and the right code then signs in."""
    clock = Clock()
    configure(clock=clock)
    create_user("uma", "manager", None, PASSWORD, actor="test")
    _, secret, _ = _enrol(app, clock, "uma")
    clock.advance(seconds=30)
    browser, wrong = _second_step(app, "uma", "123457")
    assert wrong.headers["Location"].startswith("/login/mfa?draft=")
    page = refused_page(browser, wrong)
    assert "That code is not valid." in page and "123457" not in page
    assert browser.get("/").status_code == 302  # still half-way in
    empty = browser.post("/login/mfa", {"code": ""}, csrf_page="/login/mfa")
    assert "Enter the code from your authenticator app" in refused_page(browser, empty)
    right = browser.post("/login/mfa", {"code": pyotp.TOTP(secret).at(clock())}, csrf_page="/login/mfa")
    assert right.status_code == 302 and browser.get("/").status_code == 200
    assert browser.get(wrong.headers["Location"].split("#")[0]).status_code == 302  # no pending step now


def test_a_refusal_is_shown_only_on_its_own_pending_step(app: Flask, configure: Any) -> None:
    """The second step is bound to the user whose password was right: a new sign-in (another user's
    password) starts a new step, where the earlier refusal's URL shows nothing."""
    clock = Clock()
    configure(clock=clock)
    for name in ("vera", "walt"):
        create_user(name, "manager", None, PASSWORD, actor="test")
        _enrol(app, clock, name)
    browser, wrong = _second_step(app, "vera", "123457")
    refused_url = wrong.headers["Location"].split("#")[0]
    assert "That code is not valid." in refused_page(browser, wrong)
    token = csrf_from(browser.text("/login"))
    started = browser.post("/login", {"username": "walt", "password": PASSWORD, "csrf_token": token}, csrf_page=None)
    assert started.headers["Location"].endswith("/login/mfa")
    assert "That code is not valid." not in browser.text(refused_url)
