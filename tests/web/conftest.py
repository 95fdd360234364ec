"""Page fixtures: one logged-in browser per role."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.support import Browser, login


@pytest.fixture
def oict(app: Flask) -> Browser:
    return login(app, "oict_responder", "OICT", "web-oict")


@pytest.fixture
def dss(app: Flask) -> Browser:
    return login(app, "dss_officer", "DSS", "web-dss")


@pytest.fixture
def manager(app: Flask) -> Browser:
    return login(app, "manager", None, "web-manager")


@pytest.fixture
def admin(app: Flask) -> Browser:
    return login(app, "admin", None, "web-admin")
