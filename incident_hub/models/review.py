"""Post-incident reviews (DOMAIN.md "Learning"): one per incident, its findings (each may become
one prevention action) and the lead units' sign-offs. Rules: domain/reviews.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incident_hub.models.base import Base, UTCDateTime


class Review(Base):
    __tablename__ = "incident_reviews"
    __table_args__ = (Index("ix_incident_reviews_status", "status", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # UNIQUE: one review per incident, even when two people start it at once.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    key_moments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    went_well: Mapped[str] = mapped_column(Text, default="")
    went_badly: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    joint: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    revision: Mapped[int] = mapped_column(default=1)  # bumped by every change of content
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    findings: Mapped[list[ReviewFinding]] = relationship(
        order_by="ReviewFinding.position", cascade="all, delete-orphan"
    )
    signoffs: Mapped[list[ReviewSignoff]] = relationship(order_by="ReviewSignoff.id", cascade="all, delete-orphan")


class ReviewFinding(Base):
    __tablename__ = "review_findings"
    __table_args__ = (Index("ix_review_findings_review", "review_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("incident_reviews.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    # UNIQUE: a finding becomes at most one action.
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewSignoff(Base):
    __tablename__ = "review_signoffs"
    __table_args__ = (UniqueConstraint("review_id", "unit", name="uq_review_signoffs_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("incident_reviews.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(80))
    revision: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
