"""Shared steps of the workflow browser tests: users, login, and the confirmation dialog."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import release
from tests.factories import PASSWORD, make_user


def user(role: str, unit: str | None, name: str) -> str:
    make_user(role, unit, name)
    release()
    return name


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def submit(page: Any, selector: str) -> None:
    """Click a submit button and, when the page asks for confirmation (a <dialog> from
    static/js/confirm.js on buttons with data-confirm), confirm it; then wait for the next page."""
    with page.expect_navigation():
        page.click(selector)
        if page.locator("dialog[open] #confirm-ok").count():
            page.click("dialog[open] #confirm-ok")
