"""Webhook intake (DOMAIN.md "Intake from monitoring tools"; API.md "Intake"): sources, the raw
deliveries they sent, and the alerts parsed from them.

Idempotency is a constraint, not a check: UNIQUE (source_id, delivery_key). A digest key
(Alertmanager, Grafana) is cleared after the retention window so a later identical body counts
again; a `webhook-id` key (generic) is kept. Alerts are one row per (source, fingerprint,
incident); the fingerprint index finds the open incident an alert belongs to. Under
`RETENTION_DAYS` a delivery's raw body is emptied (`purged_at`); the row, its alerts and their
incidents stay (services/operations/retention.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base, UTCDateTime


class Source(Base):
    """A monitoring tool allowed to post to /api/v1/intake/<name>. Secrets are Fernet-encrypted
    with a key derived from SECRET_KEY (intake/secrets.py)."""

    __tablename__ = "intake_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    secret_enc: Mapped[str] = mapped_column(Text)
    previous_secret_enc: Mapped[str | None] = mapped_column(Text)
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enabled: Mapped[bool] = mapped_column(default=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    rate_limit_per_minute: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(Base):
    __tablename__ = "intake_deliveries"
    __table_args__ = (
        UniqueConstraint("source_id", "delivery_key", name="uq_intake_deliveries_source_key"),
        Index("ix_intake_deliveries_received", "received_at"),
        # The retention purge walks the not-yet-purged deliveries oldest first.
        Index("ix_intake_deliveries_unpurged", "purged_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("intake_sources.id", ondelete="CASCADE"))
    delivery_key: Mapped[str | None] = mapped_column(String(128))  # NULL once a digest key expired
    key_kind: Mapped[str] = mapped_column(String(16))  # "webhook-id" | "sha256"
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    body: Mapped[str] = mapped_column(Text)  # the raw payload; "" once purged under RETENTION_DAYS
    alert_count: Mapped[int]
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Alert(Base):
    __tablename__ = "intake_alerts"
    __table_args__ = (
        UniqueConstraint("source_id", "fingerprint", "incident_id", name="uq_intake_alerts_fingerprint"),
        Index("ix_intake_alerts_group", "source_id", "group_key"),
        Index("ix_intake_alerts_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("intake_sources.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    group_key: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the sender's group key
    status: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    first_delivery_id: Mapped[int] = mapped_column(ForeignKey("intake_deliveries.id", ondelete="CASCADE"))
    last_delivery_id: Mapped[int] = mapped_column(ForeignKey("intake_deliveries.id", ondelete="CASCADE"))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IntakeAttempt(Base):
    """What a source's page lists: each delivery attempt for a known source and its outcome
    (accepted, duplicate, refused with the reason code), never a secret or a body. Accepted and
    duplicate rows are written with the delivery; refusals afterwards, in their own transaction."""

    __tablename__ = "intake_attempts"
    __table_args__ = (Index("ix_intake_attempts_source", "source_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("intake_sources.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))  # accepted | duplicate | refused
    status_code: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300), default="")
    delivery_id: Mapped[int | None]
    alerts: Mapped[int] = mapped_column(default=0)
    incidents: Mapped[list[int]] = mapped_column(JSON, default=list)
    test: Mapped[bool] = mapped_column(default=False)  # sent by an admin's "send test delivery"
