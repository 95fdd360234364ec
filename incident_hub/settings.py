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

from incident_hub.domain.access import ROLES
from incident_hub.domain.evidence import DEFAULT_DENIED_TYPES
from incident_hub.domain.facts import SEVERITIES
from incident_hub.domain.identity import RoleMap, RoleMapError, parse_role_map
from incident_hub.domain.retention import retention_error
from incident_hub.domain.units import MANDATES, Unit, UnitRegistry
from incident_hub.intake.signing import whsec_key

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "testing", "production")
LANGUAGES = ("en", "fr", "ar", "zh", "ru", "es")  # the UN's six official languages


class SettingsError(RuntimeError):
    """The configuration cannot run; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = field(default=DEFAULT_SECRET_KEY, repr=False)
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
    default_language: str = "en"
    smtp_host: str | None = None  # None: email is not sent (rows wait, failures are recorded)
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "incident_hub <incident-hub@localhost>"
    public_url: str = "http://127.0.0.1:5000"  # links in messages
    action_due_soon_hours: int = 24
    max_attachment_bytes: int = 25 * 1024 * 1024
    attachment_store: str | None = None  # None: <instance>/attachments; or a folder, or s3://bucket/prefix
    attachment_denied_types: tuple[str, ...] = DEFAULT_DENIED_TYPES
    # Severities whose incidents need a signed post-incident review before `closed` (API.md).
    review_required_severities: tuple[str, ...] = ("high", "critical")
    # Days after which intake payloads and closed incidents' files are purged; None keeps them (domain/retention.py).
    retention_days: int | None = None
    # Lists count their matches exactly up to this many; past it `total` is an estimate (issue 18).
    list_exact_total_max: int = 10_000
    # PostgreSQL: seconds to wait for a connection (then 503), and for an unanswered send on a live one.
    database_timeout_seconds: int = 5
    log_format: str | None = None  # json | text; None leaves logging as it is (tests)
    log_level: str = "INFO"
    metrics_token: str | None = field(default=None, repr=False)
    metrics_allow: tuple[str, ...] = ()  # addresses or networks; empty with no token: loopback only
    trusted_proxies: int = 0  # proxies in front that set X-Forwarded-*; 0 trusts none
    # Identity and sessions (API.md "Identity and sessions"); secrets stay out of repr, hence out of logs.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = field(default=None, repr=False)
    oidc_display_name: str = "your organisation account"
    oidc_groups_claim: str = "groups"
    oidc_role_map: Path = PROJECT_ROOT / "config" / "oidc_roles.toml"
    local_login: bool = True
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    mfa_required_roles: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"INCIDENT_HUB_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}.")
        if self.is_production and self.secret_key in ("", DEFAULT_SECRET_KEY):
            raise SettingsError("Refusing to start in production: set SECRET_KEY to a long random value.")
        if self.default_language not in LANGUAGES:
            raise SettingsError(
                f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {self.default_language!r}."
            )
        if self.escalation_webhook_url and not (self.escalation_webhook_secret or "").startswith("whsec_"):
            raise SettingsError("ESCALATION_WEBHOOK_URL is set: set ESCALATION_WEBHOOK_SECRET to a whsec_… secret too.")
        if not self.public_url.startswith(("http://", "https://")):
            raise SettingsError("PUBLIC_URL must start with http:// or https:// (it makes the links in messages).")
        if self.smtp_password and not self.smtp_username:
            raise SettingsError("SMTP_PASSWORD is set without SMTP_USERNAME.")
        if self.escalation_webhook_url:
            try:
                whsec_key(self.escalation_webhook_secret or "")
            except ValueError as exc:
                raise SettingsError(f"ESCALATION_WEBHOOK_SECRET: {exc}.") from exc
        if self.max_attachment_bytes < 1:
            raise SettingsError("MAX_ATTACHMENT_BYTES must be a positive number of bytes.")
        store = self.attachment_store or ""
        if (store.startswith("s3:") and not store.startswith("s3://")) or store == "s3://":
            raise SettingsError("ATTACHMENT_STORE must look like s3://bucket/prefix (or be a folder).")
        unknown = [s for s in self.review_required_severities if s not in SEVERITIES]
        if unknown:
            raise SettingsError(
                f"REVIEW_REQUIRED_SEVERITIES: unknown severity {unknown[0]!r} (use {', '.join(SEVERITIES)})."
            )
        if self.log_format is not None and self.log_format not in ("json", "text"):
            raise SettingsError(f"LOG_FORMAT must be json or text, not {self.log_format!r}.")
        if self.list_exact_total_max < 1:
            raise SettingsError("LIST_EXACT_TOTAL_MAX must be a positive number of rows.")
        if self.database_timeout_seconds < 1:
            raise SettingsError("DATABASE_TIMEOUT_SECONDS must be a positive number of seconds.")
        if self.trusted_proxies < 0:
            raise SettingsError("TRUSTED_PROXIES must be 0 or the number of proxies in front of the service.")
        for entry in self.metrics_allow:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise SettingsError(f"METRICS_ALLOW: {entry!r} is not an address or network.") from None
        problem = retention_error(self.retention_days)
        if problem:
            raise SettingsError(problem)
        self._check_identity()

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    def _check_identity(self) -> None:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise SettingsError("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too.")
        if self.oidc_issuer and not self.oidc_issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise SettingsError("OIDC_ISSUER must be an https:// URL (plain http only on the loopback, for tests).")
        if not self.oidc_groups_claim:
            raise SettingsError("OIDC_GROUPS_CLAIM must name a claim (groups or roles).")
        unknown = [role for role in self.mfa_required_roles if role not in ROLES]
        if unknown:
            raise SettingsError(f"MFA_REQUIRED_ROLES: {unknown[0]!r} is not one of {', '.join(ROLES)}.")
        if self.session_idle_minutes < 1 or self.session_max_hours < 1:
            raise SettingsError("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1.")

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
        default_language=e("DEFAULT_LANGUAGE", "en"),
        smtp_host=e("SMTP_HOST") or None,
        smtp_port=int(e("SMTP_PORT", "587")),
        smtp_username=e("SMTP_USERNAME") or None,
        smtp_password=e("SMTP_PASSWORD") or None,
        smtp_starttls=_bool(e("SMTP_STARTTLS"), default=True),
        mail_from=e("MAIL_FROM", "incident_hub <incident-hub@localhost>"),
        public_url=e("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        action_due_soon_hours=int(e("ACTION_DUE_SOON_HOURS", "24")),
        max_attachment_bytes=int(e("MAX_ATTACHMENT_BYTES", str(25 * 1024 * 1024))),
        attachment_store=e("ATTACHMENT_STORE") or None,
        attachment_denied_types=_types(e("ATTACHMENT_DENIED_TYPES")),
        oidc_issuer=(e("OIDC_ISSUER") or "").rstrip("/") or None,
        oidc_client_id=e("OIDC_CLIENT_ID") or None,
        oidc_client_secret=e("OIDC_CLIENT_SECRET") or None,
        oidc_display_name=e("OIDC_DISPLAY_NAME") or "your organisation account",
        oidc_groups_claim=e("OIDC_GROUPS_CLAIM") or "groups",
        oidc_role_map=Path(e("OIDC_ROLE_MAP", str(PROJECT_ROOT / "config" / "oidc_roles.toml"))),
        local_login=_bool(e("LOCAL_LOGIN"), default=True),
        session_idle_minutes=_int(e("SESSION_IDLE_MINUTES"), "SESSION_IDLE_MINUTES", 30),
        session_max_hours=_int(e("SESSION_MAX_HOURS"), "SESSION_MAX_HOURS", 12),
        mfa_required_roles=_list(e("MFA_REQUIRED_ROLES", "admin" if env == "production" else "")),
        log_format=e("LOG_FORMAT") or ("json" if env == "production" else "text"),
        log_level=(e("LOG_LEVEL") or "INFO").upper(),
        metrics_token=e("METRICS_TOKEN") or None,
        metrics_allow=tuple(part.strip() for part in (e("METRICS_ALLOW") or "").split(",") if part.strip()),
        trusted_proxies=_int(e("TRUSTED_PROXIES"), "TRUSTED_PROXIES", 0),
        review_required_severities=_list(e("REVIEW_REQUIRED_SEVERITIES", "high,critical")),
        retention_days=_optional_int(e("RETENTION_DAYS"), "RETENTION_DAYS"),
        list_exact_total_max=_int(e("LIST_EXACT_TOTAL_MAX"), "LIST_EXACT_TOTAL_MAX", 10_000),
        database_timeout_seconds=_int(e("DATABASE_TIMEOUT_SECONDS"), "DATABASE_TIMEOUT_SECONDS", 5),
    )


def _types(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of MIME types; unset or empty keeps the default (executables), `none` allows all."""
    if not value or not value.strip():
        return DEFAULT_DENIED_TYPES
    if value.strip().lower() == "none":
        return ()
    return tuple(t.strip().lower() for t in value.split(",") if t.strip())


def load_role_map(settings: Settings, units: UnitRegistry) -> RoleMap | None:
    """The OpenID Connect role map, validated, when sign-in with the organisation account is on."""
    if not settings.oidc_enabled:
        return None
    path = settings.oidc_role_map
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise SettingsError(f"OIDC role map {path} not found (set OIDC_ROLE_MAP).") from exc
    try:
        return parse_role_map(text, units, where=f"OIDC role map {path}")
    except RoleMapError as exc:
        raise SettingsError(str(exc)) from exc


def _list(value: str) -> tuple[str, ...]:
    """A comma-separated setting; empty means none."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _optional_int(value: str | None, name: str) -> int | None:
    """A whole number, or None when unset, empty or `off`."""
    if value is None or value.strip().lower() in ("", "off"):
        return None
    return _int(value, name, 0)


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
