"""Sign-in throttling: 5 failures for a username in 15 minutes lock it for 15 minutes (with the same
answer as a wrong password), 20 failures a minute from one address are refused, every lock is audited,
and the counts are shared by separate app processes through the database."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry
from incident_hub.services.admin import mfa
from incident_hub.services.admin.users import create_user
from tests.factories import PASSWORD
from tests.web.signin_support import Clock, configure, refused_page, sign_in, visible

__all__ = ["configure"]  # the fixture


def _refused(app: Flask, username: str, password: str = PASSWORD) -> str:
    """The page a refused sign-in lands on (303 back to it: post/redirect/get), as a person sees it."""
    browser, response = sign_in(app, username, password)
    return visible(refused_page(browser, response))


def _locks() -> list[AuditEntry]:
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == "login.locked")).scalars())


WRONG, ADDRESS = "Unknown username or wrong password.", "Too many failed sign-ins from your address"


def test_five_failures_lock_the_username_for_fifteen_minutes(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock)
    create_user("hana", "manager", None, PASSWORD, actor="test")
    for _ in range(5):
        clock.advance(minutes=2)
        assert WRONG in _refused(app, "hana", "wrong-password")
    locked = _refused(app, "hana")  # the right password, but locked: the same answer
    wrong = _refused(app, "hana", "wrong-password")
    assert locked == wrong and WRONG in locked
    [lock] = _locks()
    assert (lock.object_type, lock.object_id, lock.after["failures"]) == ("login", "hana", 5)
    clock.advance(minutes=14)
    assert WRONG in _refused(app, "hana")
    clock.advance(minutes=2)
    browser, response = sign_in(app, "hana")
    assert response.status_code == 302 and browser.get("/").status_code == 200
    assert len(_locks()) == 1


def test_failures_spread_over_more_than_the_window_do_not_lock(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock)
    create_user("ivo", "manager", None, PASSWORD, actor="test")
    for _ in range(8):
        clock.advance(minutes=4)
        sign_in(app, "ivo", "wrong-password")
    assert sign_in(app, "ivo")[1].status_code == 302
    assert _locks() == []


def test_an_unknown_username_is_locked_alike(app: Flask, configure: Any) -> None:
    configure(clock=Clock())
    answers = {_refused(app, "ghost", "wrong-password") for _ in range(6)}
    assert len(answers) == 1  # locked or not, the page is the same
    assert [entry.object_id for entry in _locks()] == ["ghost"]


def test_more_than_twenty_failures_a_minute_from_one_address_are_refused(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock)
    create_user("real", "manager", None, PASSWORD, actor="test")
    for n in range(20):
        assert WRONG in _refused(app, f"guess-{n}", "wrong-password")
    refused = _refused(app, "real")
    assert ADDRESS in refused and WRONG not in refused
    clock.advance(minutes=1, seconds=1)
    assert sign_in(app, "real")[1].status_code == 302


def test_the_second_step_is_throttled_like_the_first(app: Flask, configure: Any) -> None:
    """Wrong codes count as failures of the name: the fifth locks it, and then even a right code is
    answered as a wrong one, on the same pending step."""
    clock = Clock()
    configure(clock=clock)
    user = create_user("otto", "manager", None, PASSWORD, actor="test")
    secret = mfa.new_secret()
    mfa.confirm_enrolment(user.id, secret, pyotp.TOTP(secret).at(clock()))
    browser, response = sign_in(app, "otto")
    assert response.headers["Location"].endswith("/login/mfa")
    pages = set()
    for n in range(5):
        wrong = browser.post("/login/mfa", {"code": f"00000{n}"}, csrf_page="/login/mfa")
        pages.add(visible(refused_page(browser, wrong)))
    clock.advance(seconds=60)
    right = browser.post("/login/mfa", {"code": pyotp.TOTP(secret).at(clock())}, csrf_page="/login/mfa")
    pages.add(visible(refused_page(browser, right)))
    assert len(pages) == 1 and "That code is not valid." in pages.pop()
    assert browser.get("/").status_code == 302 and [e.object_id for e in _locks()] == ["otto"]


WORKER = textwrap.dedent(
    """
    import re, sys
    from incident_hub import create_app
    from tests.conftest import make_settings
    app = create_app(make_settings(sys.argv[1]))
    client = app.test_client()
    statuses = []
    for _ in range(3):
        with app.app_context():
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            form = {"username": "shared", "password": "wrong-password", "csrf_token": token}
            answer = client.post("/login", data=form)
            statuses.append((answer.status_code, answer.headers["Location"].split("?")[0]))
    print(statuses)
    """
)


def test_two_app_processes_share_the_count(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two processes against one database: the PostgreSQL run")
    create_user("shared", "manager", None, PASSWORD, actor="test")
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.commit()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0].strip().splitlines()[-1] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outputs == ["[(303, '/login'), (303, '/login'), (303, '/login')]"] * 2  # each refused, back to sign-in
    assert WRONG in _refused(app, "shared")  # six failures from two processes: locked
    assert [entry.object_id for entry in _locks()] == ["shared"]  # locked once
