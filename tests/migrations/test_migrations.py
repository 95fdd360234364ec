"""Migrations build the schema from nothing on both engines, go down to base and up again, and
agree with the models (`alembic check`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from incident_hub import create_app
from incident_hub.extensions import db
from incident_hub.models.search import include_name
from tests.conftest import _reset_pg_schema, make_settings


@pytest.fixture
def empty_app(database_url, tmp_path):
    url = f"sqlite:///{tmp_path}/migrations.sqlite" if database_url.startswith("sqlite") else database_url
    app = create_app(make_settings(url))
    yield app
    with app.app_context():
        db.engine.dispose()
    if not url.startswith("sqlite"):
        _reset_pg_schema(url)  # leave the shared test database as the session fixture expects
        with app.app_context():
            upgrade()
            db.engine.dispose()


def test_upgrade_downgrade_upgrade(empty_app):
    with empty_app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        assert "incidents" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "audit_entries", "audit_head", "incidents", "actions"} <= tables
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar_one() == 0
            opts = {"compare_type": True, "include_name": include_name}  # as migrations/env.py
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"


VERSIONS = sorted((Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*.py"))


def _header_and_ids(path: Path) -> tuple[dict[str, str], dict[str, object]]:
    module = ast.parse(path.read_text())
    doc = ast.get_docstring(module) or ""
    header = dict(line.split(":", 1) for line in doc.splitlines() if line.startswith(("Revision ID:", "Revises:")))
    ids = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in module.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        if node.targets[0].id in ("revision", "down_revision")
    }
    return {k: v.strip() for k, v in header.items()}, ids


@pytest.mark.parametrize("path", VERSIONS, ids=[p.stem for p in VERSIONS])
def test_revision_header_names_the_real_revisions(path):
    header, ids = _header_and_ids(path)
    assert header["Revision ID"] == ids["revision"]
    assert header["Revises"] == (ids["down_revision"] or "")
