"""One row (id 1) counting changes to the configuration rows each worker keeps in memory
(services/config_cache.py): intake sources, playbooks, people and their notification preferences,
chat channels. Database triggers (migration 0018_intake_speed) add one to `version` in the same
transaction as any such change, whoever makes it, so every gunicorn worker sees that its copy is
stale by reading this one number."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from incident_hub.models.base import Base


class ConfigVersion(Base):
    __tablename__ = "config_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
