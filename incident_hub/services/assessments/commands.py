"""Assessment use cases: create, edit, sign, new version, flag reviews due, and the joint
assessment an R3 incident gets automatically (DOMAIN.md "Joint security risk assessment";
A/77/88/Add.1 para 16 and footnote 1). Threats and measures are in services/assessment_threats.py.

Each use case is one transaction: the change, its audit entry and, when the assessment belongs
to an incident, an event on the incident's timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from incident_hub.domain.access import Principal
from incident_hub.domain.assessments import (
    DRAFT,
    SIGNED,
    SIGNED_ALREADY,
    check_may_sign,
    is_joint,
    needs_auto_joint,
    status_for,
)
from incident_hub.domain.routing import Routing
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, ValidationError
from incident_hub.models import Assessment, AssessmentVersion, Incident, Measure, Signoff, Threat
from incident_hub.services.assessments.queries import (
    assessment_snapshot,
    get_version,
    get_visible_assessment,
    incident_of,
    residual_of,
    signers_of,
)
from incident_hub.services.notify import events as notify
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.upsert import insert_ignore
from incident_hub.services.visibility import get_visible_incident

REVIEW_BATCH = 500


def record(
    uow: UnitOfWork, a: Assessment, incident: Incident | None, action: str, body: str, data: dict[str, Any]
) -> None:
    """Audit a change and, for an incident's assessment, say it on the incident's timeline."""
    uow.audit(action, "assessment", a.id, data.get("before"), data.get("after"))
    if incident is not None:
        add_event(uow, incident.id, "assessment", body, {"assessment_id": a.id, "action": action})


def new_assessment(
    uow: UnitOfWork, incident: Incident | None, title: str, subject: str, review_due_at: datetime | None
) -> tuple[Assessment, AssessmentVersion]:
    a = Assessment(
        incident_id=incident.id if incident else None,
        subject=subject,
        joint=is_joint(incident.rule if incident else None),
        current_version=1,
        created_by=uow.actor,
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(a)
    uow.flush()
    v = _first_version(uow, a.id, title, review_due_at)
    return a, v


def _first_version(uow: UnitOfWork, assessment_id: int, title: str, review: datetime | None) -> AssessmentVersion:
    v = AssessmentVersion(
        assessment_id=assessment_id,
        number=1,
        title=title,
        status=DRAFT,
        review_due_at=review,
        note="",
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(v)
    uow.flush()
    return v


def create_assessment(p: Principal, data: dict[str, Any]) -> Assessment:
    """POST /assessments: for an incident the caller may see, or for a subject (prevention work)."""
    subject = (data.get("subject") or "").strip()
    if data.get("incident_id") is None and not subject:
        raise ValidationError.for_fields({"subject": [Text(N_("required when there is no incident_id"))]})
    with unit_of_work(p.username) as uow:
        incident = None if data.get("incident_id") is None else get_visible_incident(p, data["incident_id"])
        a, v = new_assessment(uow, incident, data["title"], subject, data.get("review_due_at"))
        kind = "joint assessment" if a.joint else "assessment"
        record(uow, a, incident, "assessment.create", f"Risk {kind} {a.id} opened: {v.title}", _after(a, v))
    return a


def _after(a: Assessment, v: AssessmentVersion, before: Any = None) -> dict[str, Any]:
    return {"before": before, "after": assessment_snapshot(a, v)}


def update_assessment(p: Principal, assessment_id: int, changes: dict[str, Any]) -> Assessment:
    """PATCH: title, subject and review date of the current version (sign-offs stay: they concern
    the threats and measures)."""
    with unit_of_work(p.username) as uow:
        a = get_visible_assessment(p, assessment_id, for_update=True)
        v = get_version(a)
        before = assessment_snapshot(a, v)
        if "title" in changes:
            v.title = changes["title"]
        if "subject" in changes:
            a.subject = changes["subject"] or ""
        if "review_due_at" in changes and changes["review_due_at"] != v.review_due_at:
            v.review_due_at, v.review_flagged_at = changes["review_due_at"], None
        v.updated_at = a.updated_at = uow.now
        record(uow, a, incident_of(a), "assessment.update", f"Assessment {a.id} edited.", _after(a, v, before))
    return a


def refresh_status(uow: UnitOfWork, a: Assessment, v: AssessmentVersion, incident: Incident | None) -> None:
    """Status follows the sign-offs: `signed` once every required unit has signed."""
    status = status_for(signers_of(a, incident), [s.unit for s in v.signoffs])
    if status == SIGNED and v.status != SIGNED:
        v.signed_at = uow.now
        a.first_signed_at = a.first_signed_at or uow.now
    elif status == DRAFT:
        v.signed_at = None
    v.status = status


def sign_assessment(p: Principal, assessment_id: int, note: str = "") -> Assessment:
    """POST /assessments/{id}/signoffs: the caller signs the current version for their unit."""
    try:
        with unit_of_work(p.username) as uow:
            a = get_visible_assessment(p, assessment_id, for_update=True)
            v = get_version(a)
            incident = incident_of(a)
            signed = [s.unit for s in v.signoffs]
            unit = check_may_sign(p, signers_of(a, incident), signed, len(v.threats), residual_of(v))
            v.signoffs.append(Signoff(unit=unit, user_id=p.user_id or None, username=p.username, note=note, at=uow.now))
            uow.flush()
            refresh_status(uow, a, v, incident)
            waiting = set(signers_of(a, incident)) - {s.unit for s in v.signoffs}
            if v.status != SIGNED:
                notify.signoff_requested(uow, a, waiting, p.user_id or None)
            done = " — now signed by every required unit." if v.status == SIGNED else "."
            body = f"{unit} signed assessment {a.id} v{v.number}{done}"
            record(uow, a, incident, "assessment.sign", body, {"after": {"unit": unit, "status": v.status}})
    except IntegrityError as exc:  # two sign-offs of one unit at once: the UNIQUE (version, unit) decides
        raise Conflict(Text(SIGNED_ALREADY["assessment"], unit=p.unit), {"unit": p.unit}) from exc
    return a


def _copy_threat(uow: UnitOfWork, t: Threat, version_id: int) -> None:
    copy = Threat(
        version_id=version_id,
        title=t.title,
        description=t.description,
        domain=t.domain,
        likelihood=t.likelihood,
        impact=t.impact,
        risk_level=t.risk_level,
        created_at=uow.now,
        updated_at=uow.now,
    )
    for m in t.measures:
        copy.measures.append(
            Measure(
                kind=m.kind,
                description=m.description,
                owner_unit=m.owner_unit,
                residual_likelihood=m.residual_likelihood,
                residual_impact=m.residual_impact,
                residual_risk_level=m.residual_risk_level,
                due_at=m.due_at,
                action_id=m.action_id,  # the same tracked work carries on
                created_at=uow.now,
                updated_at=uow.now,
            )
        )
    uow.session.add(copy)


def new_version(p: Principal, assessment_id: int, data: dict[str, Any]) -> Assessment:
    """POST /assessments/{id}/versions: freeze the current version (read-only forever) and copy
    its threats and measures into a new draft; sign-offs are not copied."""
    try:
        with unit_of_work(p.username) as uow:
            a = get_visible_assessment(p, assessment_id, for_update=True)
            old = get_version(a)
            old.frozen_at = uow.now
            v = AssessmentVersion(
                assessment_id=a.id,
                number=old.number + 1,
                title=data.get("title") or old.title,
                status=DRAFT,
                review_due_at=data.get("review_due_at", old.review_due_at),
                note=data.get("note", ""),
                created_at=uow.now,
                updated_at=uow.now,
            )
            uow.session.add(v)
            uow.flush()
            for t in old.threats:
                _copy_threat(uow, t, v.id)
            a.current_version, a.updated_at = v.number, uow.now
            uow.flush()
            uow.session.expire(a, ["versions"])
            uow.session.expire(v, ["threats"])
            body = f"Assessment {a.id}: version {old.number} frozen, version {v.number} opened as a draft."
            record(uow, a, incident_of(a), "assessment.new_version", body, _after(a, v, {"frozen": old.number}))
    except IntegrityError as exc:  # another new version won the race: UNIQUE (assessment, number)
        raise Conflict(Text(N_("Another new version was made at the same time; reload and retry."))) from exc
    return a


def flag_reviews_due(actor: str = "scheduler") -> int:
    """Scheduler job: flag once each current version whose review date has passed (timeline event
    and audit); a second run finds nothing new, so it is safe to run twice."""
    with unit_of_work(actor) as uow:
        rows = uow.session.execute(
            select(AssessmentVersion, Assessment)
            .join(Assessment, Assessment.id == AssessmentVersion.assessment_id)
            .where(
                AssessmentVersion.number == Assessment.current_version,
                AssessmentVersion.frozen_at.is_(None),
                AssessmentVersion.review_flagged_at.is_(None),
                AssessmentVersion.review_due_at <= uow.now,
            )
            .order_by(AssessmentVersion.review_due_at)
            .limit(REVIEW_BATCH)
            .with_for_update(of=AssessmentVersion)
        ).all()
        for v, a in rows:
            v.review_flagged_at = uow.now
            body = f"Review of assessment {a.id} ({v.title}) is due since {v.review_due_at:%Y-%m-%d %H:%M} UTC."
            data = {"after": {"version": v.number, "review_due_at": str(v.review_due_at), "flagged": True}}
            record(uow, a, incident_of(a), "assessment.review_due", body, data)
    return len(rows)


def on_incident_routed(uow: UnitOfWork, incident: Incident, routing: Routing, new: bool = False) -> None:
    """Called by services.incidents.after_routing: keep `joint` in step with the rule (R2/R3) and
    give an R3 incident its joint assessment, once (a `new` incident has no assessment yet)."""
    if not new:
        _sync_joint(uow, incident, is_joint(routing.rule))
    if needs_auto_joint(routing.rule):
        ensure_joint_assessment(uow, incident, new)


def _sync_joint(uow: UnitOfWork, incident: Incident, joint: bool) -> None:
    rows = uow.session.execute(
        select(Assessment).where(Assessment.incident_id == incident.id, Assessment.joint != joint)
    ).scalars()
    for a in rows:
        a.joint, a.updated_at = joint, uow.now
        v = get_version(a)
        refresh_status(uow, a, v, incident)
        body = f"Assessment {a.id} is {'now joint' if joint else 'no longer joint'} after rerouting ({incident.rule})."
        record(uow, a, incident, "assessment.joint", body, {"before": {"joint": not joint}, "after": {"joint": joint}})


def ensure_joint_assessment(uow: UnitOfWork, incident: Incident, new: bool = False) -> Assessment | None:
    """The R3 joint assessment, created once: UNIQUE (auto_for_incident_id) with ON CONFLICT DO
    NOTHING decides, so rerouting, retries or two workers never make a second one."""
    has_joint = exists().where(Assessment.incident_id == incident.id, Assessment.joint.is_(True))
    if not new and uow.session.execute(select(has_joint)).scalar():
        return None
    values = {
        "incident_id": incident.id,
        "auto_for_incident_id": incident.id,
        "subject": "",
        "joint": True,
        "current_version": 1,
        "created_by": uow.actor,
        "created_at": uow.now,
        "updated_at": uow.now,
    }
    new_id = insert_ignore(uow.session, Assessment, values, ("auto_for_incident_id",))
    if new_id is None:
        return None
    v = _first_version(uow, new_id, f"Joint security risk assessment: {incident.title}"[:200], None)
    a = uow.session.get(Assessment, new_id)
    assert a is not None
    signers = " and ".join(sorted(signers_of(a, incident)))
    body = f"Joint security risk assessment {a.id} opened automatically (R3); {signers} must both sign."
    record(uow, a, incident, "assessment.create", body, _after(a, v))
    return a
