"""Helpers for page tests: a logged-in browser-like client (session cookie + CSRF)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_user

CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf token in page"
    return match.group(1)


def _fresh_g() -> None:
    for name in list(g):
        g.pop(name)


class Browser:
    """A test client logged in through the login form, like a person with a browser.

    The tests' app context is shared by every request, so `g` (with its cached CSRF token and
    principal) is emptied before each request, as a real server would start afresh.
    """

    def __init__(self, app: Flask, client: FlaskClient, user: Any):
        self.app, self.client, self.user = app, client, user

    def get(self, path: str, **kw: Any) -> Any:
        _fresh_g()
        return self.client.get(path, **kw)

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def csrf(self, path: str = "/") -> str:
        return csrf_from(self.text(path))

    def post(self, path: str, data: dict[str, Any] | None = None, csrf_page: str | None = "/", **kw: Any) -> Any:
        data = dict(data or {})
        if csrf_page is not None:
            data.setdefault("csrf_token", self.csrf(csrf_page))
        _fresh_g()
        return self.client.post(path, data=data, **kw)

    def refused(self, path: str, data: dict[str, Any] | None = None, csrf_page: str | None = "/") -> str:
        """Post a form the server refuses: it answers with a redirect (post/redirect/get) to the page
        that shows the form again, with what was typed and the errors; that page's HTML."""
        response = self.post(path, data, csrf_page)
        assert response.status_code == 303, (path, response.status_code, response.get_data(as_text=True)[:500])
        location = response.headers["Location"]
        assert "draft=" in location, location
        return self.text(location.split("#")[0])

    def followed(self, path: str, data: dict[str, Any] | None = None, csrf_page: str | None = "/") -> str:
        """Post a form the server accepts: it answers with a redirect (post/redirect/get); the HTML of
        the page it lands on (where a secret made by the POST is shown once)."""
        response = self.post(path, data, csrf_page)
        assert response.status_code in (302, 303), (path, response.status_code)
        return self.text(response.headers["Location"].split("#")[0])


def login(app: Flask, role: str, unit: str | None = None, username: str | None = None) -> Browser:
    user, _ = make_user(role, unit, username)
    browser = Browser(app, app.test_client(), user)
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    data = {"username": user.username, "password": PASSWORD, "csrf_token": token}
    response = browser.post("/login", data, csrf_page=None)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser
