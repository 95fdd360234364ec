"""Concurrent writers never fork or break the audit chain (several gunicorn workers on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry
from incident_hub.services.admin.audit import verify_chain
from incident_hub.services.uow import unit_of_work
from tests.concurrency import run_together_ok

THREADS, PER_THREAD = 6, 15


def test_parallel_appends_leave_one_unbroken_chain(app):
    def writer(n: int) -> None:
        for i in range(PER_THREAD):
            with unit_of_work(f"writer-{n}") as uow:
                uow.audit("test.append", "thing", f"{n}-{i}", None, {"n": n, "i": i})

    run_together_ok(app, writer, THREADS)
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == THREADS * PER_THREAD
    count, broken = verify_chain()
    assert (count, broken) == (THREADS * PER_THREAD, None)
