"""Scheduler leases and the outbound webhook outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base, UTCDateTime


class SchedulerLock(Base):
    """One row per job: the last tick claimed and a lease, so one process runs each tick."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_tick: Mapped[int] = mapped_column(BigInteger, default=-1)
    locked_by: Mapped[str] = mapped_column(String(120), default="")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Counted here rather than in a process, so /metrics shows them whichever host runs the scheduler.
    runs: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    failures: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class OutboxMessage(Base):
    """A message to deliver: a signed webhook (the exact body is kept so retries sign the same bytes), an
    email (`url` is `mailto:`) or a chat post. The body of email and chat rows names the event and its
    objects; the message is rendered when sent, so the request that caused it only writes this row."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)  # webhook-id, same on every retry
    kind: Mapped[str] = mapped_column(String(64))  # the event (action.overdue, incident.routed, …)
    # How it leaves: webhook (escalation, Standard Webhooks), email, teams, slack.
    channel: Mapped[str] = mapped_column(String(16), default="webhook", server_default="webhook")
    url: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The id of the request (or job tick) that queued it: logged with each attempt, sent as X-Request-ID.
    request_id: Mapped[str | None] = mapped_column(String(128))
