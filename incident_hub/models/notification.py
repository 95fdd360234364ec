"""People in the loop (issue 14): in-app notifications, preferences, followers and chat channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base, UTCDateTime


class Notification(Base):
    """One event told to one person in the app, or to one unit's chat channel (`user_id` NULL,
    `channel_id` set: never shown in the app). `digest_pending` marks low-priority mail that waits
    for the person's hourly digest; `relay_pending` marks an email or chat message that the outbox
    job turns into its outbox row (services/notify/relay.py), so the request that caused the event
    writes one multi-row INSERT (issue 18)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_digest", "digest_pending", "user_id"),
        Index("ix_notifications_relay", "relay_pending", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("chat_channels.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    incident_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    digest_pending: Mapped[bool] = mapped_column(default=False)
    relay_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    request_id: Mapped[str | None] = mapped_column(String(128))  # of the request that caused it (outbox row)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationPreference(Base):
    """A person's channels per event ({event: ["in_app", "email"]}); events absent use the defaults."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    events: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(8), default="off")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IncidentFollower(Base):
    __tablename__ = "incident_followers"
    __table_args__ = (Index("ix_incident_followers_user", "user_id", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatChannel(Base):
    """A unit's Microsoft Teams (Workflows webhook) or Slack-compatible incoming webhook."""

    __tablename__ = "chat_channels"
    __table_args__ = (Index("ix_chat_channels_unit", "unit", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # teams | slack
    url: Mapped[str] = mapped_column(String(1000))
    events: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
