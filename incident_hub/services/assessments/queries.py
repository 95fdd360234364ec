"""Reading assessments under need to know (DOMAIN.md "Need to know"; A/77/88/Add.1 para 6).

DSS officers see the assessments of incidents their unit takes part in and the subject-only ones
(prevention work; services/visibility.py); of a cyber threat they see only its title, domain and risk level.
Everything else (404 for the invisible, the full snapshot for the audit) lives here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from incident_hub.clock import to_iso, utcnow
from incident_hub.domain.access import Principal
from incident_hub.domain.assessments import (
    assessment_residual,
    is_review_due,
    required_signers,
    sees_threat_details,
    threat_residual,
)
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import Assessment, AssessmentVersion, Incident, Measure, Signoff, Threat
from incident_hub.runtime import units
from incident_hub.services.visibility import visible_assessments

SORTABLE = ("id", "created_at", "updated_at", "title", "review_due_at")


def get_visible_assessment(p: Principal, assessment_id: int, for_update: bool = False) -> Assessment:
    q = visible_assessments(p).where(Assessment.id == assessment_id)
    a = db.session.execute(q.with_for_update(of=Assessment) if for_update else q).scalar_one_or_none()
    if a is None:
        raise NotFound(Text(N_("No assessment %(id)s."), id=assessment_id))
    return a


def get_version(a: Assessment, number: int | None = None) -> AssessmentVersion:
    wanted = a.current_version if number is None else number
    v = db.session.execute(
        select(AssessmentVersion)
        .where(AssessmentVersion.assessment_id == a.id, AssessmentVersion.number == wanted)
        .options(
            selectinload(AssessmentVersion.threats).selectinload(Threat.measures),
            selectinload(AssessmentVersion.signoffs),
        )
    ).scalar_one_or_none()
    if v is None:
        raise NotFound(f"Assessment {a.id} has no version {wanted}.")
    return v


def current_signoffs(p: Principal, assessment_id: int) -> frozenset[str]:
    """The units whose sign-off the current version carries (a page compares them before and after a
    change, to say when the change voided them)."""
    a = get_visible_assessment(p, assessment_id)
    return frozenset(
        db.session.execute(
            select(Signoff.unit)
            .join(AssessmentVersion, Signoff.version_id == AssessmentVersion.id)
            .where(AssessmentVersion.assessment_id == a.id, AssessmentVersion.number == a.current_version)
        ).scalars()
    )


def get_threat(a: Assessment, threat_id: int) -> Threat:
    t = db.session.execute(
        select(Threat)
        .join(AssessmentVersion, Threat.version_id == AssessmentVersion.id)
        .where(Threat.id == threat_id, AssessmentVersion.assessment_id == a.id)
    ).scalar_one_or_none()
    if t is None:
        raise NotFound(f"Assessment {a.id} has no threat {threat_id}.")
    return t


def get_measure(t: Threat, measure_id: int) -> Measure:
    m = db.session.get(Measure, measure_id)
    if m is None or m.threat_id != t.id:
        raise NotFound(f"Threat {t.id} has no measure {measure_id}.")
    return m


def incident_of(a: Assessment) -> Incident | None:
    return None if a.incident_id is None else db.session.get(Incident, a.incident_id)


def signers_of(a: Assessment, incident: Incident | None) -> frozenset[str]:
    return required_signers(a.joint, incident.lead_unit if incident else None, units())


@dataclass(frozen=True)
class AssessmentFilter:
    incident_id: int | None = None
    status: str | None = None
    joint: bool | None = None
    review_due: bool | None = None
    q: str | None = None


def _apply(q: Select[tuple[Assessment]], f: AssessmentFilter, now: datetime) -> Select[tuple[Assessment]]:
    if f.incident_id is not None:
        q = q.where(Assessment.incident_id == f.incident_id)
    if f.joint is not None:
        q = q.where(Assessment.joint == f.joint)
    if f.status is not None:
        q = q.where(AssessmentVersion.status == f.status)
    if f.q:
        q = q.where(or_(AssessmentVersion.title.ilike(f"%{f.q}%"), Assessment.subject.ilike(f"%{f.q}%")))
    if f.review_due is True:
        q = q.where(AssessmentVersion.review_due_at <= now)
    elif f.review_due is False:
        q = q.where(or_(AssessmentVersion.review_due_at.is_(None), AssessmentVersion.review_due_at > now))
    return q


def list_assessments(
    p: Principal, f: AssessmentFilter, page: int, per_page: int, sort: str = "-created_at"
) -> tuple[list[tuple[Assessment, AssessmentVersion]], int]:
    """Each visible assessment with its current version, filtered, sorted and paged."""
    base = visible_assessments(p).join(
        AssessmentVersion,
        (AssessmentVersion.assessment_id == Assessment.id) & (AssessmentVersion.number == Assessment.current_version),
    )
    q = _apply(base, f, utcnow())
    total = db.session.execute(select(func.count()).select_from(q.order_by(None).subquery())).scalar_one()
    name = sort.lstrip("-")
    column = getattr(AssessmentVersion if name in ("title", "review_due_at") else Assessment, name)
    desc = sort.startswith("-")
    ordering = (column.desc(), Assessment.id.desc()) if desc else (column.asc(), Assessment.id.asc())
    q = q.add_columns(AssessmentVersion).order_by(*ordering).limit(per_page).offset((page - 1) * per_page)
    return [(row[0], row[1]) for row in db.session.execute(q).all()], total


def measure_view(m: Measure) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind,
        "description": m.description,
        "owner_unit": m.owner_unit,
        "residual_likelihood": m.residual_likelihood,
        "residual_impact": m.residual_impact,
        "residual_risk_level": m.residual_risk_level,
        "due_at": to_iso(m.due_at),
        "action_id": m.action_id,
        "created_at": to_iso(m.created_at),
        "updated_at": to_iso(m.updated_at),
    }


def threat_view(t: Threat, p: Principal | None) -> dict[str, Any]:
    """The whole threat, or for a principal not cleared for cyber details only id, title,
    domain and risk level (p is None: the full snapshot, for the audit trail)."""
    if p is not None and not sees_threat_details(p, t.domain, units()):
        return {"id": t.id, "title": t.title, "domain": t.domain, "risk_level": t.risk_level, "restricted": True}
    return {
        "id": t.id,
        "title": t.title,
        "description": t.description,
        "domain": t.domain,
        "likelihood": t.likelihood,
        "impact": t.impact,
        "risk_level": t.risk_level,
        "residual_risk_level": threat_residual(t.risk_level, [m.residual_risk_level for m in t.measures]),
        "measures": [measure_view(m) for m in t.measures],
        "restricted": False,
        "created_at": to_iso(t.created_at),
        "updated_at": to_iso(t.updated_at),
    }


def residual_of(v: AssessmentVersion) -> str | None:
    return assessment_residual(
        threat_residual(t.risk_level, [m.residual_risk_level for m in t.measures]) for t in v.threats
    )


def summary_view(a: Assessment, v: AssessmentVersion, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    return {
        "id": a.id,
        "incident_id": a.incident_id,
        "subject": a.subject,
        "title": v.title,
        "joint": a.joint,
        "auto_created": a.auto_for_incident_id is not None,
        "status": v.status,
        "version": v.number,
        "current_version": a.current_version,
        "frozen": v.frozen_at is not None,
        "frozen_at": to_iso(v.frozen_at),
        "signed_at": to_iso(v.signed_at),
        "review_due_at": to_iso(v.review_due_at),
        "review_due": v.frozen_at is None and is_review_due(v.review_due_at, now),
        "review_flagged_at": to_iso(v.review_flagged_at),
        "created_by": a.created_by,
        "created_at": to_iso(a.created_at),
        "updated_at": to_iso(v.updated_at),
    }


def assessment_view(a: Assessment, v: AssessmentVersion, p: Principal | None) -> dict[str, Any]:
    """One version of an assessment as `p` may see it (p None: everything, for the audit)."""
    incident = incident_of(a)
    view = summary_view(a, v)
    due = incident.joint_assessment_due_at if incident is not None and a.joint else None
    view.update(
        {
            "note": v.note,
            "joint_due_at": to_iso(due),
            "joint_overdue": due is not None and a.first_signed_at is None and due <= utcnow(),
            "first_signed_at": to_iso(a.first_signed_at),
            "required_signoffs": sorted(signers_of(a, incident)),
            "signoffs": [{"unit": s.unit, "user": s.username, "at": to_iso(s.at), "note": s.note} for s in v.signoffs],
            "residual_risk_level": residual_of(v),
            "threats": [threat_view(t, p) for t in v.threats],
            "versions": [
                {
                    "number": x.number,
                    "status": x.status,
                    "frozen_at": to_iso(x.frozen_at),
                    "signed_at": to_iso(x.signed_at),
                }
                for x in a.versions
            ],
        }
    )
    return view


def assessment_snapshot(a: Assessment, v: AssessmentVersion) -> dict[str, Any]:
    return assessment_view(a, v, None)
