"""Joint security risk assessments (DOMAIN.md "Joint security risk assessment").

An `Assessment` is the lasting identity (its incident or subject, whether it is joint); each
reassessment is an `AssessmentVersion` numbered 1, 2, … that owns its threats, measures and
sign-offs. Making a new version freezes the current one (`frozen_at`) and copies its threats and
measures, so every earlier version stays readable exactly as it was signed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incident_hub.models.base import Base, UTCDateTime


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_incident", "incident_id"),
        Index("ix_assessments_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    # Set only on the joint assessment created automatically for an R3 incident: UNIQUE, so
    # rerouting or two workers at once can never create a second one.
    auto_for_incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    subject: Mapped[str] = mapped_column(String(200), default="")
    joint: Mapped[bool] = mapped_column(default=False)
    current_version: Mapped[int] = mapped_column(default=1)
    first_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    versions: Mapped[list[AssessmentVersion]] = relationship(
        back_populates="assessment", order_by="AssessmentVersion.number", cascade="all, delete-orphan"
    )


class AssessmentVersion(Base):
    __tablename__ = "assessment_versions"
    __table_args__ = (
        UniqueConstraint("assessment_id", "number", name="uq_assessment_versions_number"),
        Index("ix_assessment_versions_review", "frozen_at", "review_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship(back_populates="versions")
    threats: Mapped[list[Threat]] = relationship(
        back_populates="version", order_by="Threat.id", cascade="all, delete-orphan"
    )
    signoffs: Mapped[list[Signoff]] = relationship(order_by="Signoff.id", cascade="all, delete-orphan")


class Threat(Base):
    __tablename__ = "assessment_threats"
    __table_args__ = (Index("ix_assessment_threats_version", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(16))
    likelihood: Mapped[int]
    impact: Mapped[int]
    risk_level: Mapped[str] = mapped_column(String(16))  # derived by domain/risk.py, stored for queries
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    version: Mapped[AssessmentVersion] = relationship(back_populates="threats")
    measures: Mapped[list[Measure]] = relationship(
        back_populates="threat", order_by="Measure.id", cascade="all, delete-orphan"
    )


class Measure(Base):
    __tablename__ = "assessment_measures"
    __table_args__ = (Index("ix_assessment_measures_threat", "threat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("assessment_threats.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    owner_unit: Mapped[str] = mapped_column(String(32))
    residual_likelihood: Mapped[int | None]
    residual_impact: Mapped[int | None]
    residual_risk_level: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    threat: Mapped[Threat] = relationship(back_populates="measures")


class Signoff(Base):
    __tablename__ = "assessment_signoffs"
    __table_args__ = (UniqueConstraint("version_id", "unit", name="uq_assessment_signoffs_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
