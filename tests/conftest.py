"""Fixtures: every app-level test runs on SQLite and on PostgreSQL.

The schema is built once per database by the Alembic migrations; each test starts from
empty tables (TRUNCATE on PostgreSQL, DELETE on SQLite). PostgreSQL is skipped with a
reason when unreachable, and the run fails instead when CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from incident_hub import create_app
from incident_hub.settings import Settings

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
IS_CI = os.environ.get("CI", "").lower() == "true"

# No timed assertions: Hypothesis's per-example deadline and its too-slow health check measure the
# machine, not the code, and failed on a busy one. `ci` (chosen when CI=true) also prints the blob
# that replays a failure; HYPOTHESIS_PROFILE picks another registered profile.
_untimed = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("default", **_untimed)
hypothesis_settings.register_profile("ci", print_blob=True, **_untimed)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IS_CI else "default"))
_pg_problem: list[str] = []


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def _pg_unreachable() -> str | None:
    try:
        engine = create_engine(_psycopg(PG_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "skip PostgreSQL"
        where = make_url(PG_URL).render_as_string(hide_password=True)
        return f"PostgreSQL at {where} unreachable: {exc.__class__.__name__}"
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = _pg_unreachable()
    if problem:
        if IS_CI:
            pytest.exit(f"CI=true and {problem}", returncode=1)
        _pg_problem.append(problem)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _pg_problem:
        terminalreporter.write_line(
            f"NOTE: PostgreSQL tests were SKIPPED ({_pg_problem[0]}); SQLite only.", yellow=True
        )
    else:
        terminalreporter.write_line("Databases tested: SQLite and PostgreSQL.", green=True)


def _worker_pg_url(worker: str) -> str:
    """One database per xdist worker, so parallel workers never share tables."""
    if worker == "master":
        return PG_URL
    url = make_url(_psycopg(PG_URL))
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _reset_pg_schema(url: str) -> None:
    engine = create_engine(_psycopg(url) if not url.startswith("postgresql+") else url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    if _pg_problem:
        pytest.skip(_pg_problem[0])
    url = _worker_pg_url(os.environ.get("PYTEST_XDIST_WORKER", "master"))
    _reset_pg_schema(url)
    return url


def make_settings(database_url: str | None, **changes: Any) -> Settings:
    base = Settings(
        env="testing",
        secret_key="test-secret-key",
        database_url=database_url,
        scheduler_enabled=False,
        dashboard_cache_seconds=0,
    )
    return base.with_(**changes)


@pytest.fixture(scope="session")
def _migrated_app(database_url: str) -> Iterator[Flask]:
    from flask_migrate import upgrade

    app = create_app(make_settings(database_url))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from incident_hub.extensions import db

        db.engine.dispose()


def clean_database(app: Flask) -> None:
    from incident_hub.extensions import db

    with app.app_context():
        # config_version is kept and moved on, never restarted: every worker's copy is then stale.
        tables = [t.name for t in db.metadata.sorted_tables if t.name != "config_version"]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed(tables):
                    conn.execute(text(f"DELETE FROM {name}"))
                conn.execute(text("DELETE FROM incident_search_fts"))  # outside the metadata (0012_search)
            conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
            conn.execute(text("UPDATE config_version SET version = version + 1 WHERE id = 1"))


@pytest.fixture
def app(_migrated_app: Flask) -> Iterator[Flask]:
    clean_database(_migrated_app)
    with _migrated_app.app_context():
        yield _migrated_app
        from incident_hub.extensions import db

        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class ApiClient:
    """The test client with a bearer token: what an API user (or script) does."""

    def __init__(self, client: FlaskClient, token: str, user: Any):
        self.client, self.token, self.user = client, token, user

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


@pytest.fixture
def login_as(app: Flask) -> Any:
    """login_as(role, unit=None, username=None) -> ApiClient with a fresh user and token."""
    from tests.factories import make_user

    def _login(role: str, unit: str | None = None, username: str | None = None) -> ApiClient:
        user, token = make_user(role, unit, username)
        return ApiClient(app.test_client(), token, user)

    return _login


@pytest.fixture
def as_oict(login_as: Any) -> ApiClient:
    return login_as("oict_responder", "OICT", "oict1")


@pytest.fixture
def as_dss(login_as: Any) -> ApiClient:
    return login_as("dss_officer", "DSS", "dss1")


@pytest.fixture
def as_manager(login_as: Any) -> ApiClient:
    return login_as("manager", None, "manager1")


@pytest.fixture
def as_admin(login_as: Any) -> ApiClient:
    return login_as("admin", None, "admin1")


@pytest.fixture
def threshold(app: Flask, monkeypatch: pytest.MonkeyPatch) -> int:
    """Totals of long lists are exact up to 3 matches, estimates past that (LIST_EXACT_TOTAL_MAX)."""
    from dataclasses import replace

    current = app.extensions["incident_hub"]
    settings = current.settings.with_(list_exact_total_max=3)
    monkeypatch.setitem(app.extensions, "incident_hub", replace(current, settings=settings))
    return 3
