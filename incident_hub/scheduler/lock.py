"""Once per tick across processes and hosts: a lease row per job in `scheduler_locks`.

A process may run tick T of a job only if it moves the row's `last_tick` to T while nobody holds
a live lease: `UPDATE … WHERE last_tick < T AND (locked_until IS NULL OR locked_until < now)`.
The row update is atomic on both databases, so of several schedulers exactly one wins a tick. A
job that dies mid-way keeps its lease until `locked_until`, then the next tick runs it again;
jobs are written to be safe to re-run (each claims its own rows).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update

from incident_hub.models import SchedulerLock
from incident_hub.services.uow import bookkeeping
from incident_hub.services.upsert import insert_ignore

DEFAULT_LEASE = timedelta(minutes=5)


def tick_of(now: datetime, seconds: int) -> int:
    return int(now.timestamp()) // max(1, seconds)


def claim(name: str, tick: int, owner: str, now: datetime, lease: timedelta = DEFAULT_LEASE) -> bool:
    """True when this caller won tick `tick` of job `name` (and holds its lease)."""
    with bookkeeping() as session:
        insert_ignore(
            session,
            SchedulerLock,
            {"name": name, "last_tick": -1, "locked_by": "", "runs": 0, "failures": 0},
            ("name",),
        )
        result = session.execute(
            update(SchedulerLock)
            .where(
                SchedulerLock.name == name,
                SchedulerLock.last_tick < tick,
                or_(SchedulerLock.locked_until.is_(None), SchedulerLock.locked_until < now),
            )
            .values(last_tick=tick, locked_by=owner, locked_until=now + lease, last_started_at=now)
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(name: str, owner: str, now: datetime, ok: bool = True) -> None:
    """End the lease and count the run (and a failure) in the row, where /metrics reads them."""
    with bookkeeping() as session:
        session.execute(
            update(SchedulerLock)
            .where(SchedulerLock.name == name, SchedulerLock.locked_by == owner)
            .values(
                locked_until=None,
                last_finished_at=now,
                runs=SchedulerLock.runs + 1,
                failures=SchedulerLock.failures + (0 if ok else 1),
            )
        )
