"""accept_delivery: one monitoring-tool delivery, verified, parsed and stored in one transaction
(DOMAIN.md "Intake from monitoring tools"; API.md "Intake"; ARCHITECTURE.md "Transactions,
audit, idempotency").

Order: source → credentials on the raw bytes → JSON → shape → rate limit → the delivery row
(INSERT … ON CONFLICT DO NOTHING on UNIQUE (source, key): a copy answers `duplicate`) → its
alerts (attach by fingerprint or group key, or open an incident) → commit → answer. Any
refusal raises before commit, so it writes nothing. A database failure is a passing one: 503.

The source comes from the worker's copy of the configuration (services/config_cache.py), checked
against the database by the delivery's INSERT; when that copy was stale, the delivery starts
again in a fresh transaction with a fresh copy, and a refusal is never given on a stale one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Integer, TextualSelect, bindparam, column, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from incident_hub import metrics
from incident_hub.database import sqlite_writer_queue
from incident_hub.errors import (
    AppError,
    BadJson,
    NotAuthenticated,
    StaleDelivery,
    Unavailable,
    UnsupportedMediaType,
    ValidationError,
)
from incident_hub.extensions import db
from incident_hub.hostile_input import check_depth
from incident_hub.intake import ratelimit, signing
from incident_hub.intake.adapters import PARSERS, ParsedDelivery
from incident_hub.intake.signing import Headers, Refused
from incident_hub.models import Delivery, UTCDateTime
from incident_hub.runtime import settings
from incident_hub.services.config_cache import (
    VERSION,
    ConfigSnapshot,
    SourceEntry,
    StaleConfig,
    latest,
    load,
    read_version,
)
from incident_hub.services.intake.alerts import lock_keys, store_alerts
from incident_hub.services.intake.sources import accepted_secrets
from incident_hub.services.uow import UnitOfWork, unit_of_work

RETRY_AFTER_DB = 5
# Built once: the per-request cost is then binding parameters (bench/intake.py counts them). The
# delivery's INSERT also answers the configuration version (config_cache.py), so checking the
# worker's copy of the source, playbooks and people costs no statement of its own. Written as text:
# SQLAlchemy 2.0 compiles its dialects' INSERT … ON CONFLICT anew at every execution (they are
# not cacheable), which cost more than anything else in a delivery.
_INSERT_SQL = (
    "INSERT INTO intake_deliveries (source_id, delivery_key, key_kind, received_at, body, alert_count) "
    "VALUES (:source_id, :delivery_key, :key_kind, :received_at, :body, :alert_count) "
    "ON CONFLICT (source_id, delivery_key) DO NOTHING "
    "RETURNING id, (SELECT version FROM config_version WHERE id = 1)"
)
# PostgreSQL: the stored row also takes the delivery's advisory locks (alerts.lock_keys) in the same
# statement; a copy (no row) takes none. The next statement's snapshot then sees what the holder
# of a lock committed.
_LOCKS_SQL = ", (SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:lock_keys AS bigint[])) AS lock_key (k))"


def _insert_text(sql: str) -> TextualSelect:
    typed = bindparam("received_at", type_=UTCDateTime())
    return text(sql).bindparams(typed).columns(column("id", Integer), column("version", BigInteger))


INSERT_DELIVERY = _insert_text(_INSERT_SQL)
INSERT_DELIVERY_LOCKED = _insert_text(_INSERT_SQL + _LOCKS_SQL)
_DELIVERIES: Any = Delivery.__table__
DELIVERY_BY_KEY = select(_DELIVERIES.c.id, _DELIVERIES.c.alert_count, VERSION).where(
    _DELIVERIES.c.source_id == bindparam("source_id"), _DELIVERIES.c.delivery_key == bindparam("key")
)


@dataclass(frozen=True)
class IntakeRequest:
    source: str
    headers: Headers
    body: bytes
    is_json: bool


@dataclass(frozen=True)
class IntakeResult:
    delivery_id: int
    duplicate: bool
    alerts: int
    incidents: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "delivery_id": self.delivery_id,
            "duplicate": self.duplicate,
            "alerts": self.alerts,
            "incidents": self.incidents,
        }


class UnknownSource(Refused):
    """Unknown and disabled sources answer like bad credentials (401), so names cannot be probed."""

    def __init__(self) -> None:
        super().__init__("unknown or disabled source")


def accept_delivery(req: IntakeRequest) -> IntakeResult:
    """Store one delivery; every outcome is counted by source and format (metrics.py)."""
    seen = {"source": metrics.UNKNOWN, "format": metrics.UNKNOWN}  # known only once the source is found
    try:
        result = _accept_once(req, seen)
    except AppError as error:
        metrics.count_intake(seen["source"], seen["format"], _outcome(error))
        raise
    metrics.count_intake(seen["source"], seen["format"], "duplicate" if result.duplicate else "accepted")
    return result


def _outcome(error: AppError) -> str:
    if isinstance(error, Unavailable):
        return "unavailable"
    if isinstance(error, StaleDelivery):
        return "refused_stale"
    if isinstance(error, NotAuthenticated):
        return "refused_signature"
    return "refused_shape"  # 400 bad_json, 413, 415, 422


def _accept_once(req: IntakeRequest, seen: dict[str, str]) -> IntakeResult:
    try:
        for reload in (False, True):  # once more with a fresh copy when the worker's was stale
            try:
                with sqlite_writer_queue(db.engine), unit_of_work(f"intake:{req.source[:60]}") as uow:
                    return _accept(uow, req, seen, reload)
            except StaleConfig:
                continue
        raise Unavailable("The source's configuration is changing; retry.", 1)
    except IntegrityError as exc:  # a race on the alerts' unique key: the retry will attach
        raise Unavailable("The delivery collided with a concurrent one; retry.", RETRY_AFTER_DB) from exc
    except (OperationalError, PoolTimeout) as exc:
        raise Unavailable("The database is unavailable; retry later.", RETRY_AFTER_DB) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise Unavailable("The database connection was lost; retry later.", RETRY_AFTER_DB) from exc
        raise


def _accept(uow: UnitOfWork, req: IntakeRequest, seen: dict[str, str], reload: bool) -> IntakeResult:
    """With the worker's copy of the configuration, checked by the delivery's INSERT; a refusal
    by a copy that turns out stale is asked again of a fresh one (StaleConfig)."""
    config = latest()
    fresh = reload or config is None
    if config is None or reload:
        config = load(uow.session)
    try:
        source, key, kind, parsed = _admit(uow, req, seen, config)
    except AppError:
        if not fresh and not config.is_current(read_version(uow.session)):
            raise StaleConfig()
        raise
    delivery_id, version = _insert_delivery(uow, source, key, kind, req.body, parsed)
    if delivery_id is None:
        return _duplicate(uow, source, key, config)
    uow.config = _current(uow, config, version, source)
    incidents = store_alerts(uow, source, delivery_id, parsed)
    return IntakeResult(delivery_id, False, len(parsed.alerts), incidents)


def _current(uow: UnitOfWork, config: ConfigSnapshot, version: int | None, source: SourceEntry) -> ConfigSnapshot:
    """The copy to go on with: `config` when the database's number is its own; else a fresh one read
    in this transaction, provided the source the delivery was checked against is unchanged in it
    (else StaleConfig: start again). A playbook or a person changed elsewhere costs no retry."""
    if config.is_current(version):
        return config
    fresh = load(uow.session)
    if fresh.sources.get(source.name) != source:
        raise StaleConfig()
    return fresh


def _admit(
    uow: UnitOfWork, req: IntakeRequest, seen: dict[str, str], config: ConfigSnapshot
) -> tuple[SourceEntry, str, str, ParsedDelivery]:
    """Source → credentials on the raw bytes → JSON → shape → rate limit; raises on any refusal."""
    source = config.sources.get(req.source)
    if source is None or not source.enabled:
        raise UnknownSource()
    seen.update(source=source.name, format=source.format)
    key, kind = _verify(source, req, uow)
    parsed = _parse(source, req)
    wait = ratelimit.wait_seconds((source.id, source.created_at), source.rate_limit_per_minute)
    if wait:
        raise Unavailable("This source sends faster than its rate limit; retry later.", wait)
    return source, key, kind, parsed


def _verify(source: SourceEntry, req: IntakeRequest, uow: UnitOfWork) -> tuple[str, str]:
    """Credentials before parsing; the idempotency key: `webhook-id`, else the body's SHA-256."""
    secrets = accepted_secrets(source, uow.now)
    now, tolerance = uow.now.timestamp(), settings().intake_tolerance_seconds
    if source.format == "generic":
        return signing.verify_standard_webhooks(secrets, req.headers, req.body, now, tolerance), "webhook-id"
    if source.format == "grafana":
        signing.verify_grafana(secrets, req.headers, req.body, now, tolerance)
    else:
        signing.verify_bearer(secrets, req.headers)
    return hashlib.sha256(req.body).hexdigest(), "sha256"


def _parse(source: SourceEntry, req: IntakeRequest) -> ParsedDelivery:
    if not req.is_json:
        raise UnsupportedMediaType("Send the delivery as JSON with 'Content-Type: application/json'.")
    try:
        payload = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadJson("The delivery is not valid UTF-8 JSON.")
    check_depth(payload)  # no monitoring tool nests deeper; the API's bodies have the same limit
    if not isinstance(payload, dict):
        raise ValidationError.for_fields({"_schema": ["the body must be a JSON object"]})
    return PARSERS[source.format](payload)


def _insert_delivery(
    uow: UnitOfWork, source: SourceEntry, key: str, kind: str, body: bytes, parsed: ParsedDelivery
) -> tuple[int | None, int | None]:
    """The UNIQUE key decides, also between two workers: no row back means a copy exists.
    (the new id, the configuration version), or (None, None) for a copy."""
    row = {
        "source_id": source.id,
        "delivery_key": key,
        "key_kind": kind,
        "received_at": uow.now,
        "body": body.decode("utf-8"),
        "alert_count": len(parsed.alerts),
    }
    dialect = uow.session.get_bind().dialect.name
    keys = lock_keys(source, parsed) if dialect == "postgresql" else []
    conn = uow.session.connection()
    if keys:
        stored = conn.execute(INSERT_DELIVERY_LOCKED, {**row, "lock_keys": keys}).one_or_none()
    else:
        stored = conn.execute(INSERT_DELIVERY, row).one_or_none()
    return (None, None) if stored is None else (stored[0], stored[1])


def _duplicate(uow: UnitOfWork, source: SourceEntry, key: str, config: ConfigSnapshot) -> IntakeResult:
    row = uow.session.connection().execute(DELIVERY_BY_KEY, {"source_id": source.id, "key": key}).one_or_none()
    if row is None:  # its key expired between our INSERT and this read: the retry is stored
        raise Unavailable("The delivery collided with an expiring copy; retry.", 1)
    _current(uow, config, row[2], source)
    return IntakeResult(row.id, True, row.alert_count, [])
