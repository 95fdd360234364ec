"""Reading users' API tokens for the admin pages (the use cases live in services/users.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from incident_hub.extensions import db
from incident_hub.models import ApiToken


def list_tokens() -> list[ApiToken]:
    """Every token with its user, newest first (only prefixes are stored in clear)."""
    q = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.execute(q).scalars())
