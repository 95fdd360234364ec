"""Runs the jobs of scheduler/jobs.py with APScheduler, each inside an app context."""

from __future__ import annotations

import logging
import time

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from incident_hub.extensions import db
from incident_hub.scheduler.jobs import Job, jobs

log = logging.getLogger(__name__)


def _run(app: Flask, job: Job) -> None:
    with app.app_context():
        try:
            job.run()
        except Exception:  # a failed tick is logged and retried at the next one
            log.exception("scheduled job %s failed", job.name)
            db.session.rollback()
        finally:
            db.session.remove()


def build_scheduler(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in jobs():
        scheduler.add_job(
            _run, "interval", seconds=job.seconds, args=[app, job], id=job.name, max_instances=1, coalesce=True
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
