"""Sign-in throttling that holds across workers and hosts: the counts live in the database.

Five failed sign-ins for one username within 15 minutes lock that username for 15 minutes (known or
not, so the answer tells nobody whether the name exists); more than 20 failures in a minute from one
address are refused as well. Failures are counted from the end of the last lock, so a lock that runs
out starts a fresh count. Every lock is audited. Two processes racing to lock the same name lock it
once: the lock row is inserted with ON CONFLICT DO NOTHING, or moved with a compare-and-set.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from incident_hub.extensions import db
from incident_hub.models import LoginFailure, LoginLock
from incident_hub.runtime import now
from incident_hub.services.uow import UnitOfWork, bookkeeping, unit_of_work
from incident_hub.services.upsert import insert_ignore

USERNAME_FAILURES = 5
USERNAME_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
ADDRESS_FAILURES = 20
ADDRESS_WINDOW = timedelta(minutes=1)


def _key(username: str) -> str:
    return username.strip().lower()[:80]


def is_locked(username: str) -> bool:
    until = db.session.execute(select(LoginLock.locked_until).where(LoginLock.username == _key(username))).scalar()
    return until is not None and until > now()


def address_refused(address: str) -> bool:
    since = now() - ADDRESS_WINDOW
    q = select(func.count()).where(LoginFailure.address == address[:64], LoginFailure.at > since)
    return int(db.session.execute(q).scalar_one()) >= ADDRESS_FAILURES


def record_failure(username: str, address: str) -> None:
    """Count a failed sign-in; the fifth within the window locks the username (audited)."""
    key = _key(username)
    with unit_of_work("sign-in") as uow:
        uow.session.add(LoginFailure(username=key, address=address[:64], at=uow.now))
        uow.flush()
        lock = uow.session.get(LoginLock, key)
        if lock is not None and lock.locked_until > uow.now:
            return
        since = max(uow.now - USERNAME_WINDOW, lock.locked_until if lock else uow.now - USERNAME_WINDOW)
        q = select(func.count()).where(LoginFailure.username == key, LoginFailure.at > since)
        failures = int(uow.session.execute(q).scalar_one())
        if failures >= USERNAME_FAILURES and _lock(uow, key, lock.locked_until if lock else None):
            until = uow.now + LOCK_FOR
            uow.audit("login.locked", "login", key, None, {"until": until.isoformat(), "failures": failures})


def _lock(uow: UnitOfWork, key: str, previous: datetime | None) -> bool:
    """Lock `key` unless another process just did; True when this call locked it."""
    until = uow.now + LOCK_FOR
    if previous is None:
        values = {"username": key, "locked_until": until}
        return insert_ignore(uow.session, LoginLock, values, ("username",)) is not None
    moved = uow.session.execute(
        update(LoginLock)
        .where(LoginLock.username == key, LoginLock.locked_until == previous)
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


def clear_failures(username: str) -> None:
    """A successful sign-in forgets the username's failures (its address count stays)."""
    with bookkeeping() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.username == _key(username)))


def forget_old_failures(older_than: timedelta = timedelta(days=1)) -> int:
    """Housekeeping (a scheduler job): failures older than any window still in use."""
    with bookkeeping() as session:
        result = session.execute(delete(LoginFailure).where(LoginFailure.at < now() - older_than))
        return int(result.rowcount)  # type: ignore[attr-defined]
