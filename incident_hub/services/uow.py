"""One use case = one transaction, with its audit entries appended to the chain just before commit.

The chain head row is locked (`SELECT … FOR UPDATE` on PostgreSQL; SQLite transactions
begin IMMEDIATE, so writers are serialised anyway) only for the last moment of the
transaction, so concurrent use cases wait for each other as briefly as possible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_hub.clock import utcnow
from incident_hub.domain.audit_chain import ChainEntry, entry_hash
from incident_hub.extensions import db
from incident_hub.models import AuditEntry, AuditHead


@dataclass
class PendingAudit:
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any


@dataclass
class UnitOfWork:
    session: Session
    actor: str
    now: datetime = field(default_factory=utcnow)
    _audits: list[PendingAudit] = field(default_factory=list)

    def audit(self, action: str, object_type: str, object_id: object, before: Any = None, after: Any = None) -> None:
        self._audits.append(PendingAudit(action, object_type, str(object_id), before, after))

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        if self._audits:
            self.session.flush()  # ids of new rows are known before they are audited
            append_audit_entries(self.session, self.actor, self.now, self._audits)
            self._audits.clear()
        self.session.commit()


def append_audit_entries(session: Session, actor: str, at: datetime, pending: list[PendingAudit]) -> None:
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    for item in pending:
        entry = ChainEntry(
            head.seq + 1, at, actor, item.action, item.object_type, item.object_id, item.before, item.after, head.hash
        )
        digest = entry_hash(entry)
        session.add(
            AuditEntry(
                seq=entry.seq,
                at=at,
                actor=actor,
                action=item.action,
                object_type=item.object_type,
                object_id=item.object_id,
                before=item.before,
                after=item.after,
                prev_hash=head.hash,
                hash=digest,
            )
        )
        head.seq, head.hash = entry.seq, digest
    session.flush()


@contextmanager
def unit_of_work(actor: str) -> Iterator[UnitOfWork]:
    session = db.session()
    if session.in_transaction():
        # A view may have read before calling the service; start the use case on a fresh transaction.
        session.commit()
    uow = UnitOfWork(session, actor)
    try:
        yield uow
        uow.commit()
    except BaseException:
        session.rollback()
        raise
