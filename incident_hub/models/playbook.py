"""Playbook versions: one row per (key, version); a changed file or an import makes a new version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base, UTCDateTime


class Playbook(Base):
    __tablename__ = "playbooks"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        Index("ix_playbooks_current", "superseded_at", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # file | import
    source_ref: Mapped[str] = mapped_column(String(300), default="")  # file name or CACAO playbook id
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    # Set when a newer version of the same key is stored; the current version has None.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
