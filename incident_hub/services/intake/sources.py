"""Webhook sources, managed by admins (DOMAIN.md "Who uses it": administrators; API.md "Intake"):
create (the secret is shown once), list, change mapping rules or the enabled flag, rotate the
secret with a grace period for the previous one. Secrets never enter the audit trail.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from incident_hub.clock import to_iso, utcnow
from incident_hub.domain.alert_mapping import default_mapping
from incident_hub.domain.alert_mapping_rules import checked_mapping
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, NotFound, ValidationError
from incident_hub.extensions import db
from incident_hub.intake.adapters import FORMATS
from incident_hub.intake.secrets import decrypt_secret, encrypt_secret, generate_secret
from incident_hub.models import Delivery, Source
from incident_hub.runtime import settings
from incident_hub.services.config_cache import SourceEntry
from incident_hub.services.uow import unit_of_work

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_GRACE_HOURS = 24
MAX_GRACE_HOURS = 24 * 30
# Body-digest keys (Alertmanager, Grafana) dedupe retries and HA copies for this long.
DIGEST_RETENTION = timedelta(hours=1)


def source_view(source: Source, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    in_grace = source.previous_expires_at is not None and source.previous_expires_at > now
    return {
        "id": source.id,
        "name": source.name,
        "format": source.format,
        "enabled": source.enabled,
        "url_path": f"/api/v1/intake/{source.name}",
        "mapping": source.mapping,
        "rate_limit_per_minute": source.rate_limit_per_minute,
        "previous_secret_valid_until": to_iso(source.previous_expires_at) if in_grace else None,
        "created_at": to_iso(source.created_at),
        "updated_at": to_iso(source.updated_at),
        "rotated_at": to_iso(source.rotated_at),
    }


def accepted_secrets(source: Source | SourceEntry, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts (decrypting is cached)."""
    key = settings().secret_key
    found = [decrypt_secret(key, source.secret_enc)]
    if source.previous_secret_enc and source.previous_expires_at and source.previous_expires_at > now:
        found.append(decrypt_secret(key, source.previous_secret_enc))
    return found


def _check_new(name: str, fmt: str, rate_limit: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if not NAME_PATTERN.match(name or ""):
        errors["name"] = ["1 to 64 characters: lowercase letters, digits, '-' or '_'"]
    if fmt not in FORMATS:
        errors["format"] = [f"must be one of {', '.join(FORMATS)}"]
    if rate_limit is not None and not 1 <= rate_limit <= 1_000_000:
        errors["rate_limit_per_minute"] = ["must be between 1 and 1000000, or null"]
    if errors:
        raise ValidationError.for_fields(errors)


def create_source(
    actor: str, name: str, fmt: str, mapping: Any = None, enabled: bool = True, rate_limit: int | None = None
) -> tuple[Source, str]:
    """A new source and its secret (shown to the caller once, stored encrypted)."""
    _check_new(name, fmt, rate_limit)
    rules = default_mapping() if mapping is None else checked_mapping(mapping)
    secret = generate_secret(fmt)
    try:
        with unit_of_work(actor) as uow:
            source = Source(
                name=name,
                format=fmt,
                secret_enc=encrypt_secret(settings().secret_key, secret),
                enabled=enabled,
                mapping=rules,
                rate_limit_per_minute=rate_limit,
                created_at=uow.now,
                updated_at=uow.now,
            )
            uow.session.add(source)
            uow.flush()
            uow.audit("source.create", "source", source.id, None, source_view(source, uow.now))
    except IntegrityError:
        raise Conflict(
            Text(N_("A source named %(name)s already exists."), name=repr(name)),
            {"fields": {"name": [Text(N_("already taken"))]}},
        )
    return source, secret


def list_sources() -> list[Source]:
    return list(db.session.execute(select(Source).order_by(Source.name)).scalars())


def find_source(ref: int | str) -> Source:
    column = Source.id if isinstance(ref, int) else Source.name
    source = db.session.execute(select(Source).where(column == ref)).scalar_one_or_none()
    if source is None:
        raise NotFound(Text(N_("No source %(name)s."), name=repr(ref)))
    return source


def update_source(actor: str, ref: int | str, changes: dict[str, Any]) -> Source:
    """Change the mapping rules, the enabled flag or the rate limit."""
    if "mapping" in changes:
        changes["mapping"] = checked_mapping(changes["mapping"])
    if changes.get("rate_limit_per_minute") is not None:
        _check_new("x", "generic", changes["rate_limit_per_minute"])
    with unit_of_work(actor) as uow:
        source = find_source(ref)
        before = source_view(source, uow.now)
        for name in ("mapping", "enabled", "rate_limit_per_minute"):
            if name in changes:
                setattr(source, name, changes[name])
        source.updated_at = uow.now
        uow.audit("source.update", "source", source.id, before, source_view(source, uow.now))
    return source


def rotate_source(actor: str, ref: int | str, grace_hours: int = DEFAULT_GRACE_HOURS) -> tuple[Source, str]:
    """A new secret; the previous one stays valid for `grace_hours` (0: revoked at once)."""
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise ValidationError.for_fields({"grace_hours": [f"must be between 0 and {MAX_GRACE_HOURS}"]})
    with unit_of_work(actor) as uow:
        source = find_source(ref)
        secret = generate_secret(source.format)
        source.previous_secret_enc = source.secret_enc if grace_hours else None
        source.previous_expires_at = uow.now + timedelta(hours=grace_hours) if grace_hours else None
        source.secret_enc = encrypt_secret(settings().secret_key, secret)
        source.rotated_at = source.updated_at = uow.now
        uow.audit("source.rotate", "source", source.id, None, {"grace_hours": grace_hours})
    return source, secret


def expire_delivery_keys() -> int:
    """Periodic job: body-digest keys older than the retention window stop deduplicating
    (the raw delivery stays). `webhook-id` keys are kept: senders retry them for days."""
    cutoff = utcnow() - DIGEST_RETENTION
    with unit_of_work("scheduler") as uow:
        result = uow.session.execute(
            update(Delivery)
            .where(Delivery.key_kind == "sha256", Delivery.delivery_key.is_not(None), Delivery.received_at < cutoff)
            .values(delivery_key=None)
        )
    return int(getattr(result, "rowcount", 0) or 0)
