"""Incidents: the facts recorded, and the classification and routing the domain derived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Computed, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from incident_hub.domain.facts import severity_rank
from incident_hub.domain.lifecycle import INCIDENT_STATUSES
from incident_hub.models.base import Base, Rank, UTCDateTime
from incident_hub.models.user import User


class StatusRank(Rank):
    """new=0 … closed=4 (INCIDENT_STATUSES order)."""

    inherit_cache = True
    order = INCIDENT_STATUSES


class Incident(Base):
    __tablename__ = "incidents"
    # Every filter and sort of the list has an index ending in (created_at, id) or (id), so a
    # page is an index range scan and keyset pagination stays possible (issue 4, "Speed").
    __table_args__ = (
        Index("ix_incidents_created", "created_at", "id"),
        Index("ix_incidents_status_created", "status", "created_at", "id"),
        Index("ix_incidents_lead_status", "lead_unit", "status"),
        Index("ix_incidents_lead_created", "lead_unit", "created_at", "id"),
        Index("ix_incidents_severity_created", "severity", "created_at", "id"),
        Index("ix_incidents_severity_rank", "severity_rank", "id"),
        Index("ix_incidents_rule_created", "rule", "created_at", "id"),
        Index("ix_incidents_hybrid_created", "hybrid", "created_at", "id"),
        Index("ix_incidents_updated", "updated_at", "id"),
        Index("ix_incidents_occurred", "occurred_at", "id"),
        Index("ix_incidents_status_rank", "status_rank", "id"),  # ?sort=status (migration 0018_speed)
        Index("ix_incidents_title", "title", "id"),
        # `q` is a substring search: a trigram index on PostgreSQL (a plain one, unused by `q`, on SQLite).
        Index("ix_incidents_title_trgm", "title", postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"}),
        # dashboard (migration 0006)
        Index("ix_incidents_open_group", "status", "lead_unit", "severity"),
        Index("ix_incidents_resolved", "resolved_at", "lead_unit"),
        Index(
            "ix_incidents_created_cover",
            "created_at",
            "lead_unit",
            "hybrid",
            "status",
            "acknowledged_at",
            "contained_at",
            "resolved_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    vectors: Mapped[list[str]] = mapped_column(JSON)
    effects: Mapped[list[str]] = mapped_column(JSON)
    deliberate: Mapped[bool | None]
    severity: Mapped[str] = mapped_column(String(16))
    # low=0 … critical=3, kept in step with `severity` so ?sort=severity is an index scan.
    severity_rank: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    location: Mapped[str] = mapped_column(String(200), default="")
    tlp: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detection: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    status: Mapped[str] = mapped_column(String(16))
    # new=0 … closed=4, computed by the database (stored on PostgreSQL, virtual on SQLite) so
    # ?sort=status is an index scan and nothing that writes `status` has to keep it in step.
    status_rank: Mapped[int] = mapped_column(SmallInteger, Computed(StatusRank()), nullable=True)
    cyber_component: Mapped[bool]
    physical_security_effect: Mapped[bool]
    hybrid: Mapped[bool | None]
    hybrid_criteria: Mapped[dict[str, str]] = mapped_column(JSON)
    lead_unit: Mapped[str] = mapped_column(String(32))
    partner_units: Mapped[list[str]] = mapped_column(JSON)
    informed_units: Mapped[list[str]] = mapped_column(JSON)
    rule: Mapped[str] = mapped_column(String(8))
    routing_basis: Mapped[str] = mapped_column(String(120))
    routing_explanation: Mapped[str] = mapped_column(String(400))
    lead_overridden: Mapped[bool] = mapped_column(default=False)
    joint_assessment_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # `assessment.joint_due` sent: 0 not yet, 1 deadline near, 2 passed (claimed once each).
    joint_due_notice: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # the incident commander
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="selectin")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How it was resolved (`→ resolved` asks for it) and, when a manager closed it with work
    # still open, why (domain/closure.py); cleared when reopened.
    resolution_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    closure_override_reason: Mapped[str | None] = mapped_column(Text)

    @validates("severity")
    def _rank_severity(self, key: str, value: str) -> str:
        self.severity_rank = severity_rank(value)
        return value


class IncidentUnit(Base):
    """Which units take part in an incident and how (lead, partner, informed): the need-to-know index."""

    __tablename__ = "incident_units"
    __table_args__ = (Index("ix_incident_units_unit", "unit", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(32), primary_key=True)
    relation: Mapped[str] = mapped_column(String(16))


class TimelineEvent(Base):
    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_events_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class IncidentPlaybook(Base):
    """A playbook on an incident: matched by its facts or applied by hand, and detached with a
    reason (then routing never applies it again). One row per (incident, playbook key)."""

    __tablename__ = "incident_playbooks"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    playbook_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    playbook_id: Mapped[int] = mapped_column(ForeignKey("playbooks.id"))
    how: Mapped[str] = mapped_column(String(16))  # matched | manual
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_by: Mapped[str] = mapped_column(String(120))
    detached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detached_by: Mapped[str | None] = mapped_column(String(120))
    detach_reason: Mapped[str | None] = mapped_column(Text)
