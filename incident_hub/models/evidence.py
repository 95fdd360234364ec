"""Evidence and sharing: attachments (files kept by their SHA-256), observables (typed indicators)
and the ATT&CK techniques of an incident (DOMAIN.md "Evidence and sharing")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base, UTCDateTime


class Attachment(Base):
    """A file on an incident, action or assessment. The bytes live in the attachment store under
    their SHA-256; the row is soft-deleted (`deleted_at`) so the audit chain keeps its hash."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_object", "object_type", "object_id", "id"),
        Index("ix_attachments_incident", "incident_id", "id"),
        Index("ix_attachments_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16))  # incident | action | assessment
    object_id: Mapped[int]
    # The incident the parent belongs to (None for an assessment of a premises): exports read it.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(127))
    detection: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by: Mapped[str | None] = mapped_column(String(120))
    # Set when the bytes were removed under RETENTION_DAYS (its incident closed long ago); the row,
    # its hash and its audit entries stay.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Observable(Base):
    """A typed indicator seen in an incident, stored normalised; unique per incident."""

    __tablename__ = "observables"
    __table_args__ = (
        UniqueConstraint("incident_id", "type", "value", name="uq_observables_incident_type_value"),
        Index("ix_observables_value", "value", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))
    tlp: Mapped[str] = mapped_column(String(20))
    sighted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detection: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class IncidentTechnique(Base):
    """A MITRE ATT&CK technique (or sub-technique) id used in an incident."""

    __tablename__ = "incident_techniques"
    __table_args__ = (Index("ix_incident_techniques_technique", "technique_id", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    technique_id: Mapped[str] = mapped_column(String(16), primary_key=True)
