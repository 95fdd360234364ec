"""The database state /metrics reports (API.md "Operations"): a few GROUP BY queries, never rows."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Action, Incident, Notification, OutboxMessage, SchedulerLock
from incident_hub.services.actions.queries import overdue_clause

Series = list[tuple[tuple[str, ...], float]]


def operational_state() -> dict[str, Series]:
    session = db.session
    try:
        open_incidents = session.execute(
            select(Incident.lead_unit, func.count()).where(Incident.status != "closed").group_by(Incident.lead_unit)
        ).all()
        overdue = session.execute(
            select(Action.owner_unit, func.count()).where(overdue_clause(utcnow())).group_by(Action.owner_unit)
        ).all()
        outbox = session.execute(
            select(OutboxMessage.status, OutboxMessage.kind, func.count())
            .where(OutboxMessage.status.in_(("pending", "failed")))
            .group_by(OutboxMessage.status, OutboxMessage.kind)
        ).all()
        relaying = session.execute(  # queued as outbox messages by the job's next run (notify/relay.py)
            select(Notification.event, func.count())
            .where(Notification.relay_pending.is_(True))
            .group_by(Notification.event)
        ).all()
        jobs = session.execute(
            select(SchedulerLock.name, SchedulerLock.runs, SchedulerLock.failures, SchedulerLock.last_finished_at)
        ).all()
    finally:
        session.rollback()
    backlog: dict[str, float] = {}
    for kind, n in [(kind, n) for status, kind, n in outbox if status == "pending"] + [tuple(r) for r in relaying]:
        backlog[kind] = backlog.get(kind, 0.0) + float(n)
    return {
        "incident_hub_open_incidents": [((unit,), float(n)) for unit, n in open_incidents],
        "incident_hub_overdue_actions": [((unit,), float(n)) for unit, n in overdue],
        "incident_hub_outbox_backlog": [((kind,), n) for kind, n in sorted(backlog.items())],
        "incident_hub_outbox_failed": [((kind,), float(n)) for status, kind, n in outbox if status == "failed"],
        "incident_hub_scheduler_job_runs": [((job.name,), float(job.runs)) for job in jobs],
        "incident_hub_scheduler_job_failures": [((job.name,), float(job.failures)) for job in jobs],
        "incident_hub_scheduler_job_last_finished_timestamp_seconds": [
            ((job.name,), job.last_finished_at.timestamp()) for job in jobs if job.last_finished_at
        ],
    }
