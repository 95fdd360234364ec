"""A real OpenID Provider for the sign-in tests: `node tests/oidc/provider.js` (panva's oidc-provider,
installed by `npm ci` in scripts/test), started once per test session on an ephemeral port of
127.0.0.1 and stopped after. Without Node or the package the OIDC tests skip with a message; with
CI=true they fail instead.

`oidc_app` is the app configured for it (on each test database); `live_oidc` serves that app on
127.0.0.1; `SignInBrowser` walks the whole redirect dance over real HTTP with `requests`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from incident_hub import create_app
from incident_hub.extensions import db
from tests.conftest import IS_CI, clean_database, make_settings

HERE = Path(__file__).resolve().parent
CLIENT_ID = "incident-hub-tests"
CLIENT_SECRET = "test-client-secret-" + os.urandom(8).hex()
ROLE_MAP = HERE / "roles.toml"
# Groups as the provider sends them (Entra ID sends group object ids; any string does here).
OICT = "grp-oict-responders"
DSS = "grp-dss-officers"
MANAGERS = "grp-managers"
PASSWORD = "provider-password"


def _unavailable(message: str) -> None:
    if IS_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@dataclass
class Provider:
    issuer: str
    users_file: Path

    def set_user(self, username: str, groups: list[str], email: str | None = None, **claims: Any) -> None:
        """Create or change an account at the provider; it is read again at the next sign-in."""
        users = json.loads(self.users_file.read_text())
        users[username] = {
            "password": PASSWORD,
            "name": username.title(),
            "email": email or f"{username}@example.org",
            "groups": groups,
            **claims,
        }
        self.users_file.write_text(json.dumps(users))


def _wait_for_port(process: subprocess.Popen[str], log: Path) -> int:
    assert process.stdout is not None
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=30)
    match = re.match(r"listening (\d+)", line[0] if line else "")
    if not match:
        process.kill()
        _unavailable(f"the test OpenID provider did not start: {log.read_text()[-500:]}")
    return int(match.group(1))  # type: ignore[union-attr]


def _wait_for_discovery(issuer: str) -> None:
    for _ in range(100):
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    _unavailable(f"the test OpenID provider at {issuer} never served its discovery document")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None:
        _unavailable("no `node` on PATH: install Node.js 20+ to run the OpenID Connect tests")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        _unavailable("tests/oidc/node_modules is missing: run `npm ci --prefix tests/oidc` (scripts/test does)")
    workdir = tmp_path_factory.mktemp("oidc")
    users_file, log = workdir / "users.json", workdir / "provider.log"
    users_file.write_text("{}")
    env = {
        **os.environ,
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_USERS_FILE": str(users_file),
    }
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(node), str(HERE / "provider.js")], env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        try:
            issuer = f"http://127.0.0.1:{_wait_for_port(process, log)}"
            _wait_for_discovery(issuer)
            yield Provider(issuer, users_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def oidc_settings(database_url: str, issuer: str, **changes: Any) -> Any:
    return make_settings(
        database_url,
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_display_name="Test Entra ID",
        oidc_role_map=ROLE_MAP,
        **changes,
    )


@pytest.fixture(scope="session")
def _oidc_app(_migrated_app: Flask, database_url: str, oidc_provider: Provider) -> Iterator[Flask]:
    app = create_app(oidc_settings(database_url, oidc_provider.issuer))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def oidc_app(_oidc_app: Flask) -> Iterator[Flask]:
    clean_database(_oidc_app)
    with _oidc_app.app_context():
        yield _oidc_app
        db.session.remove()


@pytest.fixture
def live_oidc(oidc_app: Flask) -> Iterator[str]:
    """The OIDC-configured app on a free port of 127.0.0.1; the test's own transaction ends first."""
    db.session.commit()
    server = make_server("127.0.0.1", 0, oidc_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


class SignInBrowser:
    """A person with a browser, over real HTTP: cookies for the app and the provider, redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(urljoin(self.base, path), timeout=30, **kw)

    def start(self, next_path: str | None = None) -> requests.Response:
        """From the app's sign-in link to the provider's login page."""
        url = "/login/oidc" + (f"?next={next_path}" if next_path else "")
        page = self.get(url)
        assert page.status_code == 200 and "Test provider" in page.text, page.text[:500]
        return page

    def authorization_url(self) -> str:
        """The app's redirect to the provider's authorization endpoint (not followed)."""
        response = self.get("/login/oidc", allow_redirects=False)
        assert response.status_code == 302, response.text[:300]
        return response.headers["Location"]

    def submit_login(self, page: requests.Response, username: str, password: str = PASSWORD) -> str:
        """Sign in at the provider; returns the app's callback URL the provider sends the browser to."""
        action = FORM_ACTION.search(page.text)
        assert action, page.text[:500]
        response = self.http.post(
            urljoin(page.url, action.group(1)),
            data={"username": username, "password": password},
            allow_redirects=False,
            timeout=30,
        )
        while response.status_code in (302, 303) and not response.headers["Location"].startswith(self.base):
            response = self.http.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False)
        assert response.status_code in (302, 303), (response.status_code, response.text[:500])
        return response.headers["Location"]

    def sign_in(self, username: str, next_path: str | None = None) -> requests.Response:
        callback = self.submit_login(self.start(next_path), username)
        return self.http.get(callback, timeout=30)


def callback_params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
