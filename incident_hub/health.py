"""/healthz (the process answers) and /readyz (database reachable, migrations at head)."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from incident_hub.errors import Unavailable
from incident_hub.extensions import db

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migration_head() -> str | None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # any driver error means "not ready"
        raise Unavailable("The database is not reachable.", retry_after=5) from exc
    head = migration_head()
    if current != head:
        raise Unavailable(
            "The database schema is not at the latest migration; run 'flask db upgrade'.",
            retry_after=30,
            details={"current": current, "head": head},
        )
    return jsonify(status="ready", database="ok", migration=current)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
