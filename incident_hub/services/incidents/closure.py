"""What keeps an incident open (domain/closure.py decides; this loads the facts it looks at).

Read in the closing transaction, and by the incident page so it can list the open work before
anyone presses "Close"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_hub.domain.closure import Blocker, ClosureFacts, OpenItem, closure_blockers
from incident_hub.domain.reviews import is_review_required
from incident_hub.models import Incident, Review
from incident_hub.runtime import settings


def closure_facts(session: Session, incident: Incident) -> ClosureFacts:
    review = session.execute(select(Review.id, Review.status).where(Review.incident_id == incident.id)).first()
    return ClosureFacts(
        review_required=is_review_required(incident.severity, settings().review_required_severities),
        review=OpenItem("review", review.id, "post-incident review", review.status) if review else None,
    )


def open_work(session: Session, incident: Incident) -> list[Blocker]:
    """What would refuse `→ closed` now (empty: it may be closed)."""
    return closure_blockers(closure_facts(session, incident))
