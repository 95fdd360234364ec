"""Runs the jobs of scheduler/jobs.py with APScheduler, each inside an app context, each tick at
most once across every scheduler process (scheduler/lock.py)."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.logs import bound_request_id, new_request_id
from incident_hub.scheduler.jobs import Job, jobs
from incident_hub.scheduler.lock import claim, release, tick_of

log = logging.getLogger(__name__)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_tick(job: Job, owner: str, now: datetime | None = None) -> bool:
    """Run `job` for the tick containing `now` unless another scheduler has; True when it ran."""
    now = now or utcnow()
    if not claim(job.name, tick_of(now, job.seconds), owner, now):
        return False
    ok = False
    try:
        job.run()
        ok = True
    finally:
        db.session.rollback()
        release(job.name, owner, utcnow(), ok)
    return True


def _run(app: Flask, job: Job, owner: str) -> None:
    # Each tick gets its own id, so its log lines (and the webhooks it queues) can be followed.
    with app.app_context(), bound_request_id(f"job-{job.name}-{new_request_id()[:12]}"):
        try:
            run_tick(job, owner)
        except Exception:  # a failed tick is logged and retried at the next one
            log.exception("scheduled job %s failed", job.name)
            db.session.rollback()
        finally:
            db.session.remove()


def build_scheduler(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    owner = new_owner()
    for job in jobs():
        scheduler.add_job(
            _run, "interval", seconds=job.seconds, args=[app, job, owner], id=job.name, max_instances=1, coalesce=True
        )
    return scheduler


def start_in_process(app: Flask) -> BackgroundScheduler:
    scheduler = build_scheduler(app)
    scheduler.start()
    app.extensions["incident_hub_scheduler"] = scheduler
    return scheduler


def run_forever(app: Flask) -> None:
    scheduler = build_scheduler(app)
    scheduler.start()
    log.info("scheduler running %d job(s)", len(scheduler.get_jobs()))
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown()
