"""API tokens (SHA-256 of 256 random bits; only a prefix is kept in clear): create, revoke,
authenticate, list."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from incident_hub.clock import utcnow
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import ApiToken, User
from incident_hub.services.admin.users import get_user_by_name
from incident_hub.services.uow import bookkeeping, unit_of_work

TOKEN_PREFIX = "ih_"
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(username: str, name: str, actor: str = "system") -> tuple[ApiToken, str]:
    user = get_user_by_name(username)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(actor) as uow:
        token = ApiToken(user_id=user.id, name=name, token_hash=_digest(raw), prefix=raw[:10], created_at=uow.now)
        uow.session.add(token)
        uow.flush()
        uow.audit("token.create", "api_token", token.id, None, {"user": username, "name": name, "prefix": token.prefix})
    return token, raw


def revoke_token(token_id: int, actor: str = "system") -> ApiToken:
    with unit_of_work(actor) as uow:
        token = uow.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(Text(N_("No API token %(id)s."), id=token_id))
        if token.revoked_at is None:
            token.revoked_at = uow.now
            uow.audit("token.revoke", "api_token", token.id, None, {"prefix": token.prefix})
    return token


def authenticate_token(raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.execute(select(ApiToken).where(ApiToken.token_hash == _digest(raw))).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        with bookkeeping():  # coarse, so a busy client does not write on every request
            token.last_used_at = now
    return token.user


def list_tokens() -> list[ApiToken]:
    """Every token with its user, newest first (only prefixes are stored in clear)."""
    q = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.execute(q).scalars())
