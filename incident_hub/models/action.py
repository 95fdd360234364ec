"""Prevention and mitigation actions, from playbooks or from assessment measures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base, UTCDateTime


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_status_due", "status", "due_at"),
        Index("ix_actions_owner_status", "owner_unit", "status"),
        Index("ix_actions_incident", "incident_id"),
        Index("ix_actions_assignee", "assignee_id", "status"),
        # A playbook version's step becomes an action at most once per incident (INSERT … ON CONFLICT).
        UniqueConstraint("incident_id", "playbook_id", "source_step"),
        # dashboard (migration 0006)
        Index("ix_actions_created_status", "created_at", "status", "owner_unit"),
        Index("ix_actions_overdue", "status", "due_at", "owner_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(16))
    owner_unit: Mapped[str] = mapped_column(String(32))
    # The mandate this work needs (M1 checks owner_unit against it); None when any unit may do it.
    mandate: Mapped[str | None] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[str] = mapped_column(Text, default="")
    blocked_reason: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    assessment_id: Mapped[int | None]
    playbook_id: Mapped[int | None] = mapped_column(ForeignKey("playbooks.id"))
    source_step: Mapped[str | None] = mapped_column(String(120))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_soon_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # `action.due_soon` sent once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
