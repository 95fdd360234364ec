"""Typed settings read from the environment (and `.env`), one class per INCIDENT_HUB_ENV.

`create_app` reads the environment only through `load_settings`; tests build their
own `Settings`.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from incident_hub.domain.facts import SEVERITIES
from incident_hub.domain.units import MANDATES, Unit, UnitRegistry
from incident_hub.intake.signing import whsec_key

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "testing", "production")


class SettingsError(RuntimeError):
    """The configuration cannot run; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    database_url: str | None = None  # None: SQLite in the instance folder
    scheduler_enabled: bool = False
    units_file: Path = PROJECT_ROOT / "config" / "units.toml"
    playbooks_dir: Path = PROJECT_ROOT / "playbooks"
    max_body_bytes: int = 1_048_576
    joint_assessment_hours: int = 72
    intake_tolerance_seconds: int = 300
    session_cookie_secure: bool = False
    escalation_webhook_url: str | None = None
    escalation_webhook_secret: str | None = None
    dashboard_cache_seconds: float = 15.0
    # Severities whose incidents need a signed post-incident review before `closed` (API.md).
    review_required_severities: tuple[str, ...] = ("high", "critical")
    log_format: str | None = None  # json | text; None leaves logging as it is (tests)
    log_level: str = "INFO"
    metrics_token: str | None = None
    metrics_allow: tuple[str, ...] = ()  # addresses or networks; empty with no token: loopback only
    trusted_proxies: int = 0  # proxies in front that set X-Forwarded-*; 0 trusts none
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"INCIDENT_HUB_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}.")
        if self.is_production and self.secret_key in ("", DEFAULT_SECRET_KEY):
            raise SettingsError("Refusing to start in production: set SECRET_KEY to a long random value.")
        if self.escalation_webhook_url and not (self.escalation_webhook_secret or "").startswith("whsec_"):
            raise SettingsError("ESCALATION_WEBHOOK_URL is set: set ESCALATION_WEBHOOK_SECRET to a whsec_… secret too.")
        if self.escalation_webhook_url:
            try:
                whsec_key(self.escalation_webhook_secret or "")
            except ValueError as exc:
                raise SettingsError(f"ESCALATION_WEBHOOK_SECRET: {exc}.") from exc
        unknown = [s for s in self.review_required_severities if s not in SEVERITIES]
        if unknown:
            raise SettingsError(
                f"REVIEW_REQUIRED_SEVERITIES: unknown severity {unknown[0]!r} (use {', '.join(SEVERITIES)})."
            )
        if self.log_format is not None and self.log_format not in ("json", "text"):
            raise SettingsError(f"LOG_FORMAT must be json or text, not {self.log_format!r}.")
        if self.trusted_proxies < 0:
            raise SettingsError("TRUSTED_PROXIES must be 0 or the number of proxies in front of the service.")
        for entry in self.metrics_allow:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise SettingsError(f"METRICS_ALLOW: {entry!r} is not an address or network.") from None

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def load_settings(dotenv: bool = True) -> Settings:
    if dotenv:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
    env = os.environ.get("INCIDENT_HUB_ENV", "development")
    e = os.environ.get
    return Settings(
        env=env,
        secret_key=e("SECRET_KEY", DEFAULT_SECRET_KEY),
        database_url=e("DATABASE_URL") or None,
        scheduler_enabled=_bool(e("SCHEDULER_ENABLED"), default=False),
        units_file=Path(e("UNITS_FILE", str(PROJECT_ROOT / "config" / "units.toml"))),
        playbooks_dir=Path(e("PLAYBOOKS_DIR", str(PROJECT_ROOT / "playbooks"))),
        max_body_bytes=int(e("MAX_BODY_BYTES", "1048576")),
        joint_assessment_hours=int(e("JOINT_ASSESSMENT_HOURS", "72")),
        intake_tolerance_seconds=int(e("INTAKE_TOLERANCE_SECONDS", "300")),
        session_cookie_secure=_bool(e("SESSION_COOKIE_SECURE"), default=env == "production"),
        escalation_webhook_url=e("ESCALATION_WEBHOOK_URL") or None,
        escalation_webhook_secret=e("ESCALATION_WEBHOOK_SECRET") or None,
        dashboard_cache_seconds=float(e("DASHBOARD_CACHE_SECONDS", "15")),
        log_format=e("LOG_FORMAT") or ("json" if env == "production" else "text"),
        log_level=(e("LOG_LEVEL") or "INFO").upper(),
        metrics_token=e("METRICS_TOKEN") or None,
        metrics_allow=tuple(part.strip() for part in (e("METRICS_ALLOW") or "").split(",") if part.strip()),
        trusted_proxies=_int(e("TRUSTED_PROXIES"), "TRUSTED_PROXIES", 0),
        review_required_severities=_list(e("REVIEW_REQUIRED_SEVERITIES", "high,critical")),
    )


def _list(value: str) -> tuple[str, ...]:
    """A comma-separated setting; empty means none."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _int(value: str | None, name: str, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}.") from None


def load_units(path: Path) -> UnitRegistry:
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise SettingsError(f"Units file {path} not found (set UNITS_FILE).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"Units file {path} is not valid TOML: {exc}") from exc
    units = [
        Unit(code=code, name=str(body.get("name", code)), mandates=frozenset(body.get("mandates", [])))
        for code, body in data.get("units", {}).items()
    ]
    if not units:
        raise SettingsError(f"Units file {path} defines no [units.<CODE>] table.")
    for mandate in MANDATES:
        if not any(unit.holds(mandate) for unit in units):
            raise SettingsError(f"Units file {path}: no unit holds the {mandate!r} mandate, so routing cannot decide.")
    return UnitRegistry(units)
