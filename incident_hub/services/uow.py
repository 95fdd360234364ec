"""One use case = one transaction, with its audit entries appended to the chain just before commit.

The unit of work is the only place that commits. It refuses to start on a session that already
holds changes (they would be stored without an audit entry), rolls back on any exception, and
commits once at the end. `bookkeeping` is the same for the few writes that are not use cases
and carry no audit entry (token last use, outbox delivery state, scheduler leases).

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

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from incident_hub.domain.audit_chain import ChainEntry, entry_hash
from incident_hub.extensions import db
from incident_hub.models import AuditEntry, AuditHead, TimelineEvent
from incident_hub.runtime import now
from incident_hub.services.upsert import multirow_insert

# Built once (Core, on the session's connection): compiled once per process.
_HEAD: Any = AuditHead.__table__
INSERT_EVENTS = multirow_insert(TimelineEvent)
INSERT_ENTRIES = multirow_insert(AuditEntry)
HEAD_FOR_UPDATE = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("seq"), hash=bindparam("hash"))


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
    now: datetime
    _audits: list[PendingAudit] = field(default_factory=list)
    _events: list[dict[str, Any]] = field(default_factory=list)
    config: Any = None  # the configuration copy checked in this transaction (services/config_cache.py)

    def audit(self, action: str, object_type: str, object_id: object, before: Any = None, after: Any = None) -> None:
        self._audits.append(PendingAudit(action, object_type, str(object_id), before, after))

    def flush(self) -> None:
        self.session.flush()

    def later_event(self, row: dict[str, Any]) -> None:
        """A timeline event row stored with the others in one multi-row INSERT just before commit
        (services/timeline.py `add_events`)."""
        self._events.append(row)

    def flush_events(self) -> None:
        """Store the batched timeline events now (one multi-row INSERT), keeping their order."""
        if self._events:
            self.session.flush()  # the incidents they belong to are stored first
            self.session.connection().execute(INSERT_EVENTS, self._events)
            self._events.clear()

    def commit(self) -> None:
        self.flush_events()
        if self._audits:
            self.session.flush()  # ids of new rows are known before they are audited
            append_audit_entries(self.session, self.actor, self.now, self._audits)
            self._audits.clear()
        self.session.commit()


def append_audit_entries(session: Session, actor: str, at: datetime, pending: list[PendingAudit]) -> None:
    """Lock the head, chain the entries in Python, then one multi-row INSERT and one head UPDATE."""
    conn = session.connection()
    seq, prev = conn.execute(HEAD_FOR_UPDATE).one()
    rows = []
    for item in pending:
        seq += 1
        entry = ChainEntry(seq, at, actor, item.action, item.object_type, item.object_id, item.before, item.after, prev)
        digest = entry_hash(entry)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": item.action,
                "object_type": item.object_type,
                "object_id": item.object_id,
                "before": item.before,
                "after": item.after,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(INSERT_ENTRIES, rows)
    conn.execute(MOVE_HEAD, {"seq": seq, "hash": prev})


class SessionNotClean(RuntimeError):
    """A unit of work was opened on a session holding changes that nothing would audit: a bug."""


_FLUSHED = "incident_hub_flushed_changes"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _: object) -> None:
    session.info[_FLUSHED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_flush(session: Session) -> None:
    session.info.pop(_FLUSHED, None)


def _clean_session() -> Session:
    """The session, with any read-only transaction a view left open ended."""
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get(_FLUSHED):
        raise SessionNotClean("The session already holds changes; a unit of work will not commit them.")
    if session.in_transaction():
        session.rollback()  # only reads happened: start the use case on a fresh transaction
    return session


@contextmanager
def unit_of_work(actor: str) -> Iterator[UnitOfWork]:
    session = _clean_session()
    uow = UnitOfWork(session, actor, now())
    try:
        yield uow
        uow.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def bookkeeping() -> Iterator[Session]:
    """A short transaction for state that is not a use case and is never audited."""
    session = _clean_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
