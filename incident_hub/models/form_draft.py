"""What a person typed into a form the server refused, kept for the page the refusal redirects to
(post/redirect/get, issue 12 "Safety"): stored server-side, never in the cookie, for an hour."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base, UTCDateTime


class FormDraft(Base):
    __tablename__ = "form_drafts"
    __table_args__ = (Index("ix_form_drafts_created_at", "created_at"),)

    token: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, in the redirect's URL
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(120))  # which form of which page
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # values (never passwords), field errors
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
