"""Local sign-in: LOCAL_LOGIN=false leaves only break-glass accounts; sessions rotate at sign-in,
end on idle and absolute timeouts (a controllable clock), and end at once when the user is disabled."""

from __future__ import annotations

from typing import Any

from flask import Flask

from incident_hub.services.admin.users import create_user, set_active
from tests.factories import PASSWORD
from tests.web.signin_support import Clock, configure, refused_page, sign_in
from tests.web.support import Browser, csrf_from

__all__ = ["configure"]  # the fixture


def test_local_login_off_refuses_ordinary_accounts_but_not_break_glass(app: Flask, configure: Any) -> None:
    create_user("ordinary", "admin", None, PASSWORD, actor="test")
    create_user("glass", "admin", None, PASSWORD, actor="test", break_glass=True)
    configure(local_login=False)
    browser, refused = sign_in(app, "ordinary")
    assert "Unknown username or wrong password." in refused_page(browser, refused)
    browser, accepted = sign_in(app, "glass")
    assert accepted.status_code == 302
    assert browser.get("/").status_code == 200


def test_a_refused_sign_in_redirects_to_the_page_that_keeps_the_username_and_next(app: Flask) -> None:
    """Post/redirect/get: the refusal answers 303 to the GET page, which shows why, the username as
    typed (never the password) and the same `next`; a reload of it signs nobody in and shows the same."""
    create_user("wanda", "manager", None, PASSWORD, actor="test")
    browser = Browser(app, app.test_client(), None)
    token = csrf_from(browser.get("/login?next=/actions").get_data(as_text=True))
    typed = {"username": "wanda", "password": "Wrong-Horse-Battery", "csrf_token": token}
    response = browser.post("/login?next=/actions", typed, csrf_page=None)
    assert response.headers["Location"].startswith("/login?next=/actions&draft=")
    page = refused_page(browser, response)
    assert "Unknown username or wrong password." in page and 'id="sign-in-error"' in page
    assert 'value="wanda"' in page and "Wrong-Horse-Battery" not in page
    assert 'action="/login?next=/actions"' in page
    assert browser.get("/").status_code == 302  # nobody signed in
    assert "Unknown username" not in browser.text("/login")  # the sign-in page anew: no old error
    token = csrf_from(browser.text("/login?next=/actions"))
    right = {**typed, "password": PASSWORD, "csrf_token": token}
    accepted = browser.post("/login?next=/actions", right, csrf_page=None)
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/actions"


def test_an_empty_sign_in_form_lands_on_its_error(app: Flask) -> None:
    browser = Browser(app, app.test_client(), None)
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", {"username": "ana", "password": "", "csrf_token": token}, csrf_page=None)
    page = refused_page(browser, response)
    assert "Enter your username and password." in page and 'value="ana"' in page


def test_another_browser_cannot_read_a_refusal(app: Flask) -> None:
    """The refusal lives in the refused browser's session: its URL shows nothing to anyone else."""
    browser, response = sign_in(app, "mallory-target", "wrong-password")
    assert "mallory-target" in refused_page(browser, response)
    stranger = Browser(app, app.test_client(), None)
    page = stranger.text(response.headers["Location"].split("#")[0])
    assert "mallory-target" not in page and "wrong password" not in page


def test_the_session_is_new_atsign_in(app: Flask) -> None:
    """Whatever the anonymous session held (here its CSRF secret) is gone after sign-in."""
    create_user("rotor", "manager", None, PASSWORD, actor="test")
    browser = Browser(app, app.test_client(), None)
    before = csrf_from(browser.get("/login").get_data(as_text=True))
    data = {"username": "rotor", "password": PASSWORD, "csrf_token": before}
    assert browser.post("/login", data, csrf_page=None).status_code == 302
    stale = browser.post("/logout", {"csrf_token": before}, csrf_page=None)
    assert stale.status_code == 400
    assert browser.get("/").status_code == 200  # still signed in: the stale token did nothing
    assert browser.post("/logout", {}, csrf_page="/").status_code == 302
    assert browser.get("/").status_code == 302


def test_idle_timeout_ends_the_session(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock, session_idle_minutes=30)
    create_user("idle", "manager", None, PASSWORD, actor="test")
    browser, _ = sign_in(app, "idle")
    clock.advance(minutes=29)
    assert browser.get("/").status_code == 200
    clock.advance(minutes=29)  # active within the idle window each time
    assert browser.get("/").status_code == 200
    clock.advance(minutes=31)
    ended = browser.get("/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert browser.get("/").status_code == 302  # and stays ended
    api = browser.client.get("/api/v1/incidents")
    assert api.status_code == 401


def test_absolute_lifetime_ends_even_an_active_session(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock, session_idle_minutes=30, session_max_hours=12)
    create_user("busy", "manager", None, PASSWORD, actor="test")
    browser, _ = sign_in(app, "busy")
    for _ in range(11 * 3):
        clock.advance(minutes=20)
        assert browser.get("/").status_code == 200
    clock.advance(hours=1, minutes=1)
    assert browser.get("/").status_code == 302


def test_disabling_a_user_ends_their_sessions_at_once(app: Flask) -> None:
    create_user("gone", "oict_responder", "OICT", PASSWORD, actor="test")
    browser, _ = sign_in(app, "gone")
    assert browser.get("/").status_code == 200
    set_active("gone", False, actor="test")
    set_active("gone", True, actor="test")  # even re-enabled, the old session is over
    assert browser.get("/").status_code == 302
    again, response = sign_in(app, "gone")
    assert response.status_code == 302 and again.get("/").status_code == 200


def test_users_create_break_glass_from_the_cli(runner: Any, app: Flask) -> None:
    result = runner.invoke(
        args=["users", "create", "bg", "--role", "admin", "--break-glass", "--email", "bg@un.example"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "break-glass" in result.output
