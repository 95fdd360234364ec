"""What keeps an incident open (domain/closure.py decides; this loads the facts it looks at).

Read in the closing transaction, and by the incident page so it can list the open work before
anyone presses "Close"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_hub.domain.assessments import needs_auto_joint
from incident_hub.domain.closure import Blocker, ClosureFacts, OpenItem, closure_blockers
from incident_hub.domain.lifecycle import OPEN_ACTION_STATUSES
from incident_hub.domain.reviews import is_review_required
from incident_hub.extensions import db
from incident_hub.models import Action, Assessment, AssessmentVersion, Incident, Review
from incident_hub.runtime import settings


def closure_facts(session: Session, incident: Incident) -> ClosureFacts:
    actions = session.execute(
        select(Action.id, Action.title, Action.status)
        .where(Action.incident_id == incident.id, Action.status.in_(OPEN_ACTION_STATUSES))
        .order_by(Action.id)
    ).all()
    joint = session.execute(
        select(Assessment.id, AssessmentVersion.title, AssessmentVersion.status)
        .join(
            AssessmentVersion,
            (AssessmentVersion.assessment_id == Assessment.id)
            & (AssessmentVersion.number == Assessment.current_version),
        )
        .where(Assessment.incident_id == incident.id, Assessment.joint.is_(True))
        .order_by(Assessment.id)
    ).all()
    review = session.execute(select(Review.id, Review.status).where(Review.incident_id == incident.id)).first()
    return ClosureFacts(
        open_actions=tuple(OpenItem("action", a.id, a.title, a.status) for a in actions),
        joint_assessment_required=needs_auto_joint(incident.rule),
        joint_assessments=tuple(OpenItem("assessment", a.id, a.title, a.status) for a in joint),
        review_required=is_review_required(incident.severity, settings().review_required_severities),
        review=OpenItem("review", review.id, "post-incident review", review.status) if review else None,
    )


def open_work(incident: Incident) -> list[Blocker]:
    """What would refuse `→ closed` now (empty: it may be closed), for the incident page."""
    return closure_blockers(closure_facts(db.session(), incident))
