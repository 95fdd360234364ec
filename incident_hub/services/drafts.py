"""Drafts of refused page forms (post/redirect/get, issue 12 "Safety"): every POST from a page
answers with a redirect, so a reload never sends it again; when the server refuses a form, what
the person typed and the errors are kept here and the page the redirect lands on shows them.

Kept server-side (a form may hold a long description or detection indicators: the session cookie
is signed, not encrypted, and browsers drop cookies past 4 KB), readable only by the user who
typed them, for `DRAFT_TTL`; a periodic job (`purge_expired_drafts`) deletes the expired ones.
Never audited: a draft changes nothing. Passwords are never given to it (web/drafts.py leaves them out).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from incident_hub.extensions import db
from incident_hub.models import FormDraft
from incident_hub.runtime import now
from incident_hub.services.uow import bookkeeping

DRAFT_TTL = timedelta(hours=1)


def keep_draft(user_id: int, form_key: str, payload: dict[str, Any]) -> str:
    """Store a refused form's values and errors; the token that finds them again."""
    token = secrets.token_urlsafe(16)
    with bookkeeping() as session:
        session.add(FormDraft(token=token, user_id=user_id, form_key=form_key[:120], payload=payload, created_at=now()))
    return token


def purge_expired_drafts() -> int:
    """Periodic job: delete every draft past `DRAFT_TTL`, in one DELETE (on its created_at index);
    how many went. Nobody can read one by then (`find_draft` checks the age too)."""
    with bookkeeping() as session:
        result = session.execute(delete(FormDraft).where(FormDraft.created_at < now() - DRAFT_TTL))
    return int(getattr(result, "rowcount", 0) or 0)


def find_draft(user_id: int, token: str, form_key: str | None = None) -> tuple[str, dict[str, Any]] | None:
    """The draft's form key and payload when it is this user's, still fresh, and (when given) of `form_key`."""
    if not token or len(token) > 32:
        return None
    row = db.session.get(FormDraft, token)
    if row is None or row.user_id != user_id or row.created_at < now() - DRAFT_TTL:
        return None
    if form_key is not None and row.form_key != form_key:
        return None
    return row.form_key, dict(row.payload)
