"""Joint assessment deadlines (DOMAIN.md R3: a joint risk assessment is required and its clock
starts). `assessment.joint_due` tells both units' managers once when the deadline is near
(ACTION_DUE_SOON_HOURS before) and once when it has passed, while the joint assessment is unsigned.
Each notice is claimed by `UPDATE incidents SET joint_due_notice = stage WHERE … < stage`, so two
schedulers never send it twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Assessment, Incident
from incident_hub.runtime import settings
from incident_hub.services.assessments.queries import signers_of
from incident_hub.services.notify import events as notify
from incident_hub.services.uow import unit_of_work

ACTOR = "scheduler"
NEAR, PASSED = 1, 2
OPEN_STATUSES = ("new", "acknowledged", "contained")


def remind_joint_due(now: datetime | None = None, limit: int = 500) -> int:
    now = now or utcnow()
    horizon = now + timedelta(hours=settings().action_due_soon_hours)
    rows = db.session.execute(
        select(Incident.id, Incident.joint_assessment_due_at, Assessment.id)
        .join(Assessment, Assessment.incident_id == Incident.id)
        .where(
            Incident.joint_assessment_due_at.is_not(None),
            Incident.joint_assessment_due_at <= horizon,
            Incident.status.in_(OPEN_STATUSES),
            Incident.joint_due_notice < PASSED,
            Assessment.joint.is_(True),
            Assessment.first_signed_at.is_(None),
        )
        .order_by(Incident.joint_assessment_due_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    sent = 0
    for incident_id, due_at, assessment_id in rows:
        stage = PASSED if due_at <= now else NEAR
        sent += _remind(incident_id, assessment_id, stage, now)
    return sent


def _remind(incident_id: int, assessment_id: int, stage: int, now: datetime) -> int:
    with unit_of_work(ACTOR) as uow:
        uow.now = now
        claimed = uow.session.execute(
            update(Incident)
            .where(Incident.id == incident_id, Incident.joint_due_notice < stage)
            .values(joint_due_notice=stage)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return 0
        a = uow.session.get(Assessment, assessment_id)
        incident = uow.session.get(Incident, incident_id)
        assert a is not None and incident is not None
        notify.joint_due(uow, a, signers_of(a, incident), stage == PASSED)
    return 1
