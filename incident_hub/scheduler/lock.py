"""Once per tick across processes and hosts: a lease row per job in `scheduler_locks`.

A process may run tick T of a job only if it moves the row's `last_tick` to T while nobody holds
a live lease: `UPDATE … WHERE last_tick < T AND (locked_until IS NULL OR locked_until < now)`.
The row update is atomic on both databases, so of several schedulers exactly one wins a tick. A
job that dies mid-way keeps its lease until `locked_until`, then the next tick runs it again;
jobs are written to be safe to re-run (each claims its own rows). A lease held by a scheduler of
this host whose process is gone (killed, crashed; owners are `host:pid:nonce`) is taken over at
once, so a scheduler restarted after a crash does not sit out the rest of the dead one's lease
(escalations and notifications would wait up to DEFAULT_LEASE).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from incident_hub.models import SchedulerLock
from incident_hub.services.uow import bookkeeping
from incident_hub.services.upsert import insert_ignore

DEFAULT_LEASE = timedelta(minutes=5)
log = logging.getLogger(__name__)


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
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        held_by = session.execute(
            select(SchedulerLock.locked_by).where(SchedulerLock.name == name, SchedulerLock.last_tick < tick)
        ).scalar()
        if not held_by or held_by == owner or not is_dead_here(held_by):
            return False
        taken = session.execute(
            update(SchedulerLock)
            .where(SchedulerLock.name == name, SchedulerLock.last_tick < tick, SchedulerLock.locked_by == held_by)
            .values(last_tick=tick, locked_by=owner, locked_until=now + lease, last_started_at=now)
        )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        log.warning("job %s: took over the lease of %s, a scheduler of this host that is gone", name, held_by)
        return True
    return False


def is_dead_here(owner: str) -> bool:
    """True when `owner` (`host:pid:nonce`) was a scheduler of this host whose process is gone:
    its pid is not running, or it is this process's own pid under another nonce (a container's
    PID 1 after a restart). An owner on another host is never judged: its lease runs out instead."""
    host, _, rest = owner.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # the caller's owner differs (checked first), so this is an earlier life
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # running, under another user
    return False


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
