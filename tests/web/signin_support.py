"""Helpers for the sign-in tests: a controllable clock, a runtime swap, a sign-in through the form, and
the page a refused sign-in step lands on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from incident_hub import runtime
from tests.factories import PASSWORD
from tests.web.support import Browser, csrf_from


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def configure(app: Flask) -> Iterator[Any]:
    """configure(clock=…, **settings): swap this app's runtime for the test, restored after."""
    original = app.extensions[runtime.EXTENSION_KEY]

    def _configure(clock: Any = None, **changes: Any) -> None:
        current = app.extensions[runtime.EXTENSION_KEY]
        app.extensions[runtime.EXTENSION_KEY] = replace(
            current, settings=current.settings.with_(**changes), clock=clock or current.clock
        )

    yield _configure
    app.extensions[runtime.EXTENSION_KEY] = original


def sign_in(app: Flask, username: str, password: str = PASSWORD) -> tuple[Browser, Any]:
    browser = Browser(app, app.test_client(), None)
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", {"username": username, "password": password, "csrf_token": token}, csrf_page=None)
    return browser, response


def refused_page(browser: Browser, response: Any) -> str:
    """A refused sign-in step answers 303 back to its GET page, at the error (post/redirect/get): that
    page, read twice (a reload) to the same text but its CSRF token."""
    assert response.status_code == 303, (response.status_code, response.get_data(as_text=True)[:300])
    location = response.headers["Location"]
    assert "draft=" in location and location.endswith("#sign-in-error"), location
    first, again = browser.text(location.split("#")[0]), browser.text(location.split("#")[0])
    assert visible(first) == visible(again)
    return first


def visible(html: str) -> str:
    """The page without its CSRF token and refusal token (new on every page and every refusal)."""
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"|draft=[\w-]+', "", html)
