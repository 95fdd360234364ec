"""Reading and verifying the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from incident_hub.domain.audit_chain import GENESIS_HASH, ChainEntry, first_broken
from incident_hub.extensions import db
from incident_hub.models import AuditEntry

VERIFY_BATCH = 5000


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    after: datetime | None = None
    before: datetime | None = None


def _filtered(f: AuditFilter) -> Select[tuple[AuditEntry]]:
    q = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor, f.actor),
        (AuditEntry.action, f.action),
        (AuditEntry.object_type, f.object_type),
        (AuditEntry.object_id, f.object_id),
    ):
        if value is not None:
            q = q.where(column == value)
    if f.after is not None:
        q = q.where(AuditEntry.at >= f.after)
    if f.before is not None:
        q = q.where(AuditEntry.at < f.before)
    return q


def list_entries(f: AuditFilter, page: int, per_page: int, newest_first: bool = True) -> tuple[list[AuditEntry], int]:
    q = _filtered(f)
    total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    order = AuditEntry.seq.desc() if newest_first else AuditEntry.seq.asc()
    rows = db.session.execute(q.order_by(order).limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return list(rows), total


def _chain_entries() -> Iterator[ChainEntry]:
    last = 0
    while True:
        rows = (
            db.session.execute(
                select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(VERIFY_BATCH)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for r in rows:
            yield ChainEntry(
                r.seq, r.at, r.actor, r.action, r.object_type, r.object_id, r.before, r.after, r.prev_hash, r.hash
            )
        last = rows[-1].seq
        db.session.expunge_all()


def verify_chain() -> tuple[int, tuple[int, str] | None]:
    """(entries checked, first broken (seq, reason) or None). Reads in batches: constant memory."""
    count = 0

    def counted() -> Iterator[ChainEntry]:
        nonlocal count
        for entry in _chain_entries():
            count += 1
            yield entry

    broken = first_broken(counted())
    return count, broken


def head_seq(hash_: str) -> int | None:
    """The seq of the entry whose hash is `hash_` (the head a document printed), or None; the
    genesis hash is head 0 of an empty chain."""
    if hash_ == GENESIS_HASH:
        return 0
    return db.session.execute(select(AuditEntry.seq).where(AuditEntry.hash == hash_)).scalar_one_or_none()
