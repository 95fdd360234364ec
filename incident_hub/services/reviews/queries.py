"""Reading a post-incident review under need to know: whoever may see the incident may read its
review (services/visibility.py); a review not started yet answers with its key moments pre-filled
from the incident's own record (domain/reviews.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal
from incident_hub.domain.reviews import (
    KEY_EVENT_KINDS,
    KEY_STAMPS,
    may_write_review,
    prefill_key_moments,
    review_is_joint,
    review_signers,
    review_status,
)
from incident_hub.extensions import db
from incident_hub.models import Action, Incident, Review, TimelineEvent
from incident_hub.runtime import settings, units
from incident_hub.services.visibility import get_visible_incident


def review_of(session: Session, incident_id: int, for_update: bool = False) -> Review | None:
    q = select(Review).where(Review.incident_id == incident_id)
    if for_update:
        q = q.with_for_update()
    return session.execute(q).scalar_one_or_none()


def prefilled_moments(session: Session, incident: Incident) -> list[dict[str, Any]]:
    stamps = {name: getattr(incident, name) for name, _ in KEY_STAMPS}
    events = session.execute(
        select(TimelineEvent.at, TimelineEvent.kind, TimelineEvent.body)
        .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind.in_(tuple(KEY_EVENT_KINDS)))
        .order_by(TimelineEvent.id)
    ).all()
    moments = prefill_key_moments(stamps, [(e.at, e.kind, e.body) for e in events])
    return [{"at": to_iso(m.at), "what": m.what} for m in moments]


def required_units(incident: Incident) -> frozenset[str]:
    return review_signers(incident.rule, incident.lead_unit, units())


def is_required(incident: Incident) -> bool:
    return incident.severity in settings().review_required_severities


def _finding_actions(session: Session, review: Review) -> dict[int, str]:
    ids = [f.action_id for f in review.findings if f.action_id is not None]
    if not ids:
        return {}
    return dict(session.execute(select(Action.id, Action.status).where(Action.id.in_(ids))).tuples().all())


def review_snapshot(review: Review) -> dict[str, Any]:
    """The stored content, for the audit trail."""
    return {
        "summary": review.summary,
        "key_moments": list(review.key_moments or []),
        "went_well": review.went_well,
        "went_badly": review.went_badly,
        "root_cause": review.root_cause,
        "findings": [{"id": f.id, "text": f.text, "action_id": f.action_id} for f in review.findings],
        "status": review.status,
        "revision": review.revision,
    }


def review_view(session: Session, incident: Incident, review: Review | None, principal: Principal) -> dict[str, Any]:
    """What the API and pages show of an incident's review (started or not)."""
    required = required_units(incident)
    signed = [s.unit for s in review.signoffs] if review else []
    statuses = _finding_actions(session, review) if review else {}
    body: dict[str, Any] = {
        "incident_id": incident.id,
        "status": review_status(review is not None, required, signed),
        "joint": review_is_joint(incident.rule),
        "required": is_required(incident),
        "required_signoffs": sorted(required),
        "may_edit": may_write_review(principal, incident.lead_unit, incident.partner_units)
        and incident.status != "closed",
        "summary": review.summary if review else "",
        "key_moments": list(review.key_moments) if review else prefilled_moments(session, incident),
        "went_well": review.went_well if review else "",
        "went_badly": review.went_badly if review else "",
        "root_cause": review.root_cause if review else "",
        "findings": [
            {
                "id": f.id,
                "text": f.text,
                "action_id": f.action_id,
                "action_status": statuses.get(f.action_id) if f.action_id else None,
            }
            for f in (review.findings if review else [])
        ],
        "signoffs": [
            {"unit": s.unit, "username": s.username, "at": to_iso(s.at), "note": s.note} for s in review.signoffs
        ]
        if review
        else [],
        "revision": review.revision if review else 0,
        "signed_at": to_iso(review.signed_at) if review else None,
        "created_by": review.created_by if review else None,
        "created_at": to_iso(review.created_at) if review else None,
        "updated_at": to_iso(review.updated_at) if review else None,
    }
    return body


def get_review(principal: Principal, incident_id: int) -> dict[str, Any]:
    """GET /incidents/{id}/review (404 when the incident is not visible to the caller)."""
    incident = get_visible_incident(principal, incident_id)
    session = db.session()
    return review_view(session, incident, review_of(session, incident.id), principal)
