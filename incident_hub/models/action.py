"""Prevention and mitigation actions, from playbooks or from assessment measures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Computed, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.domain.lifecycle import ACTION_STATUSES, OPEN_ACTION_STATUSES
from incident_hub.models.base import Base, Rank, UTCDateTime


class ActionStatusRank(Rank):
    """open=0, in_progress=1, done=2, blocked=3, cancelled=4 (ACTION_STATUSES, the board's order)."""

    inherit_cache = True
    order = ACTION_STATUSES


_OPEN = text("status IN (" + ", ".join(f"'{s}'" for s in OPEN_ACTION_STATUSES) + ")")


class Action(Base):
    __tablename__ = "actions"
    # The list (issue 18, "big lists", migration 0019_actions_speed): its default sort, due date
    # (no date last), is an index scan whatever the filter: each filter has an index ending in
    # (due_at, id), or picks so few rows (one incident's, one assessment's) that they sort in
    # memory; every other sort has its (column, id). Overdue work is a range of the open actions.
    __table_args__ = (
        Index("ix_actions_due", "due_at", "id"),
        Index("ix_actions_open_due", "due_at", "id", sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("ix_actions_status_due", "status", "due_at", "id"),
        Index("ix_actions_assignee", "assignee_id", "due_at", "id"),
        Index("ix_actions_playbook", "playbook_id", "due_at", "id"),
        Index(
            "ix_actions_assessment",
            "assessment_id",
            sqlite_where=text("assessment_id IS NOT NULL"),
            postgresql_where=text("assessment_id IS NOT NULL"),
        ),
        Index("ix_actions_owner", "owner_unit", "id"),
        Index("ix_actions_status_rank", "status_rank", "id"),
        Index("ix_actions_title", "title", "id"),
        Index("ix_actions_updated", "updated_at", "id"),
        # A playbook version's step becomes an action at most once per incident (INSERT … ON CONFLICT);
        # its index is also the one of `incident_id`.
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
    # Computed by the database (stored on PostgreSQL, virtual on SQLite) so ?sort=status follows
    # the lifecycle through an index and nothing that writes `status` has to keep it in step.
    status_rank: Mapped[int] = mapped_column(SmallInteger, Computed(ActionStatusRank()), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[str] = mapped_column(Text, default="")
    blocked_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    assessment_id: Mapped[int | None]
    playbook_id: Mapped[int | None] = mapped_column(ForeignKey("playbooks.id"))
    source_step: Mapped[str | None] = mapped_column(String(120))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_soon_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # `action.due_soon` sent once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ActionComment(Base):
    """A comment on an action: anyone who may see the action may comment (API.md "Actions")."""

    __tablename__ = "action_comments"
    __table_args__ = (Index("ix_action_comments_action", "action_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
