"""incident_hub: coordinating OICT and DSS on hybrid cyber-attacks (A/77/88/Add.1 paras 14-16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, appcontext_pushed, g
from sqlalchemy.engine import make_url

from incident_hub import logs, runtime
from incident_hub.ids import IdConverter
from incident_hub.settings import Settings, load_role_map, load_settings, load_units

__all__ = ["create_app"]


def _database_uri(settings: Settings, instance_path: str) -> str:
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'incident_hub.sqlite'}"


def _engine_options(uri: str, timeout: int) -> dict[str, Any]:
    # hide_parameters: a failed statement's error names no value (a password hash, a token hash, a body).
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "hide_parameters": True}
    return {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 10,
        "pool_timeout": timeout,
        "hide_parameters": True,
        "connect_args": _pg_timeouts(uri, timeout),
    }


def _pg_timeouts(uri: str, timeout: int) -> dict[str, int]:
    """libpq options so that a database host that stops answering costs a request `timeout`
    seconds and a 503, never a worker stuck for the kernel's 15-minute TCP retry: the connect
    timeout, keepalives on idle pooled connections, and TCP_USER_TIMEOUT on unacknowledged sends.
    Options written in DATABASE_URL win."""
    given = set(make_url(uri).query)
    wanted = {
        "connect_timeout": timeout,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": timeout * 1000,
    }
    return {name: value for name, value in wanted.items() if name not in given}


def create_app(settings: Settings | None = None) -> Flask:
    """The only place that wires things together. Import does no work; this does."""
    settings = settings or load_settings()
    settings.check()
    if settings.log_format is not None:
        logs.configure(settings.log_format, settings.log_level)
    app = Flask(__name__, instance_relative_config=False)
    app.url_map.converters["int"] = IdConverter  # before any route: an id past 2**31-1 is a 404
    uri = _database_uri(settings, app.instance_path)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=uri,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(uri, settings.database_timeout_seconds),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in auth.before_request, which knows about tokens
        WTF_CSRF_TIME_LIMIT=None,
        WTF_I18N_ENABLED=True,  # WTForms' own messages in the reader's language (Flask-Babel)
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        TESTING=settings.env == "testing",
        API_TITLE="incident_hub",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    app.extensions[runtime.EXTENSION_KEY] = _build_runtime(settings, app.instance_path)
    _bind_runtime(app)
    _bind_extensions(app)
    _register(app)
    return app


def _build_runtime(settings: Settings, instance_path: str) -> runtime.Runtime:
    """Every configuration file is read here, so a bad one stops the start with one line."""
    from incident_hub.risk_config import load_risk_matrix
    from incident_hub.services.config_cache import CACHE_KEY, ConfigCache
    from incident_hub.services.evidence.attachments import STORE_KEY, make_store
    from incident_hub.services.reporting.dashboard import DashboardCache

    units = load_units(settings.units_file)
    return runtime.Runtime(
        settings=settings,
        units=units,
        risk_matrix=load_risk_matrix(settings),
        caches={
            "dashboard": DashboardCache(settings.dashboard_cache_seconds),
            STORE_KEY: make_store(settings.attachment_store, instance_path),
            CACHE_KEY: ConfigCache(),
        },
        role_map=load_role_map(settings, units),
    )


def _bind_runtime(app: Flask) -> None:
    """Services find the runtime of the app whose context is current (runtime.py), without Flask."""

    def pushed(sender: Flask, **_: object) -> None:
        g._incident_hub_previous_runtime = runtime.bind(sender.extensions)

    def torn_down(_: BaseException | None) -> None:
        runtime.unbind(g.pop("_incident_hub_previous_runtime", None))

    appcontext_pushed.connect(pushed, app, weak=False)
    app.teardown_appcontext(torn_down)


def _bind_extensions(app: Flask) -> None:
    from incident_hub import database
    from incident_hub.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine)


def _register(app: Flask) -> None:
    from incident_hub import api, cli, health, i18n, operations, scheduler, security, web
    from incident_hub.api import intake
    from incident_hub.auth import init_auth

    operations.init_app(app)  # first: the request id is bound before anything else runs or logs
    init_auth(app)
    security.init_app(app)
    i18n.init_app(app)
    health.init_app(app)
    api.init_app(app)
    intake.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    scheduler.init_app(app)
