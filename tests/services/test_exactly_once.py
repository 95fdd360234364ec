"""Exactly-once under concurrency: two workers instantiating one incident's playbooks, two
schedulers ticking one job, two escalation runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from incident_hub.extensions import db
from incident_hub.models import Action, Incident
from incident_hub.scheduler.jobs import Job
from incident_hub.scheduler.lock import claim, release, tick_of
from incident_hub.scheduler.runner import run_tick
from incident_hub.services.actions.escalation import escalate_overdue
from incident_hub.services.playbooks.instantiate import instantiate_playbooks
from incident_hub.services.uow import unit_of_work
from tests.concurrency import run_together_ok
from tests.factories import make_incident


def count_actions(incident_id):
    return db.session.execute(
        select(func.count()).select_from(Action).where(Action.incident_id == incident_id)
    ).scalar_one()


def test_two_workers_instantiate_once(app):
    incident_id = make_incident(hybrid=True, severity="critical").id
    expected = count_actions(incident_id)
    assert expected >= 8
    db.session.execute(delete(Action).where(Action.incident_id == incident_id))
    db.session.commit()

    def work(_):
        with unit_of_work("worker") as uow:
            return len(instantiate_playbooks(uow, uow.session.get(Incident, incident_id)))

    created = run_together_ok(app, work)
    assert sum(created) == expected  # one worker created them all or they shared; never more
    assert count_actions(incident_id) == expected


def test_two_schedulers_run_a_job_once_per_tick(app):
    runs = []
    job = Job("test.count", 60, lambda: runs.append(1))
    now = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
    ran = run_together_ok(app, lambda i: run_tick(job, f"scheduler-{i}", now))
    assert sorted(ran) == [False, True] and len(runs) == 1
    ran = run_together_ok(app, lambda i: run_tick(job, f"scheduler-{i}", now + timedelta(seconds=20)))
    assert ran == [False, False] and len(runs) == 1  # same tick
    ran = run_together_ok(app, lambda i: run_tick(job, f"scheduler-{i}", now + timedelta(seconds=60)))
    assert sorted(ran) == [False, True] and len(runs) == 2


def test_an_interrupted_job_is_run_again_after_its_lease(app):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    tick = tick_of(now, 60)
    assert claim("test.crash", tick, "a", now)  # … and "a" dies without releasing
    assert not claim("test.crash", tick + 1, "b", now + timedelta(seconds=60))
    assert claim("test.crash", tick + 6, "b", now + timedelta(minutes=6))
    release("test.crash", "b", now + timedelta(minutes=6))
    assert claim("test.crash", tick + 7, "c", now + timedelta(minutes=7))


def test_a_dead_scheduler_of_this_host_is_taken_over_at_once(app):
    """bench/faults/scheduler_kill.py: after a kill -9 the restarted scheduler runs the next tick
    instead of waiting out the dead one's lease; a live one's lease, or another host's, still holds."""
    import os
    import socket
    import subprocess

    host, now = socket.gethostname(), datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    tick = tick_of(now, 60)
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process that ran a scheduler and is gone
    assert claim("test.dead", tick, f"{host}:{gone.pid}:aaaa", now)
    assert claim("test.dead", tick + 1, f"{host}:{os.getpid()}:bbbb", now + timedelta(seconds=60))
    assert claim("test.live", tick, f"{host}:{os.getppid()}:cccc", now)  # the parent runs: alive
    assert not claim("test.live", tick + 1, f"{host}:{os.getpid()}:dddd", now + timedelta(seconds=60))
    assert claim("test.remote", tick, f"elsewhere-{host}:{gone.pid}:eeee", now)
    assert not claim("test.remote", tick + 1, f"{host}:{os.getpid()}:ffff", now + timedelta(seconds=60))
    # an earlier life of this very pid (a container's PID 1 after a restart) is gone too
    assert claim("test.restarted", tick, f"{host}:{os.getpid()}:old0", now)
    assert claim("test.restarted", tick + 1, f"{host}:{os.getpid()}:new0", now + timedelta(seconds=60))
    assert not claim("test.restarted", tick + 1, f"{host}:{os.getpid()}:new1", now + timedelta(seconds=61))


def test_two_escalation_runs_escalate_once(app):
    incident = make_incident(severity="high", vectors=["digital"], effects=["service_outage"], deliberate=True)
    later = datetime.now(UTC) + timedelta(days=400)  # every action is overdue then
    total = count_actions(incident.id)
    escalated = run_together_ok(app, lambda _: escalate_overdue(later))
    assert sum(escalated) == total
    assert escalate_overdue(later) == 0
