"""Threats and measures of an assessment's current version (DOMAIN.md "Joint security risk
assessment"; A/77/88/Add.1 paras 15-16 for M1; STANDARDS.md §1 for the matrix).

Risk levels come from the configured SRM matrix, never from input. M1 applies to cyber threats
(who may write them) and to the owners of their measures. Any change voids the sign-offs of the
version and says so on the timeline; a frozen version refuses every change (409).
"""

from __future__ import annotations

from typing import Any

from incident_hub.domain.access import Principal
from incident_hub.domain.assessments import (
    CYBER_DOMAIN,
    check_measure_owner,
    check_mutable,
    check_threat_author,
    measure_mandate,
)
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import UnknownUnit, ValidationError
from incident_hub.models import Assessment, AssessmentVersion, Incident, Measure, Threat
from incident_hub.runtime import risk_matrix, units
from incident_hub.services.actions.commands import new_action
from incident_hub.services.assessments.commands import record, refresh_status
from incident_hub.services.assessments.queries import (
    get_measure,
    get_threat,
    get_version,
    get_visible_assessment,
    incident_of,
    measure_view,
    signers_of,
    threat_view,
)
from incident_hub.services.notify import events as notify
from incident_hub.services.uow import UnitOfWork, unit_of_work

THREAT_FIELDS = ("title", "description", "domain", "likelihood", "impact")
MEASURE_FIELDS = ("kind", "description", "owner_unit", "residual_likelihood", "residual_impact", "due_at")


def _void_signoffs(uow: UnitOfWork, a: Assessment, v: AssessmentVersion, incident: Incident | None, why: str) -> None:
    """Any change to threats or measures voids the version's sign-offs, and the timeline says why."""
    v.updated_at = a.updated_at = uow.now
    if not v.signoffs:
        return
    signed = sorted(s.unit for s in v.signoffs)
    v.signoffs.clear()
    uow.flush()
    refresh_status(uow, a, v, incident)
    body = f"Sign-offs by {', '.join(signed)} voided because {why}."
    record(uow, a, incident, "assessment.signoffs_void", body, {"before": {"signoffs": signed}, "after": {"why": why}})
    notify.signoff_voided(uow, a, signers_of(a, incident), notify.actor_id(uow))


def _current(p: Principal, assessment_id: int) -> tuple[Assessment, AssessmentVersion, Incident | None]:
    a = get_visible_assessment(p, assessment_id, for_update=True)
    v = get_version(a)
    check_mutable(v.frozen_at, v.number)
    return a, v, incident_of(a)


def _threat_of(p: Principal, assessment_id: int, threat_id: int) -> tuple[Assessment, Threat, Incident | None]:
    """A threat to change: 404 unless visible; 409 when it belongs to a frozen version."""
    a = get_visible_assessment(p, assessment_id, for_update=True)
    t = get_threat(a, threat_id)
    check_mutable(t.version.frozen_at, t.version.number)
    return a, t, incident_of(a)


def get_visible_threat(p: Principal, assessment_id: int, threat_id: int) -> Threat:
    return get_threat(get_visible_assessment(p, assessment_id), threat_id)


def add_threat(p: Principal, assessment_id: int, data: dict[str, Any]) -> Threat:
    """POST /assessments/{id}/threats; `risk_level` is derived from likelihood and impact."""
    with unit_of_work(p.username) as uow:
        a, v, incident = _current(p, assessment_id)
        check_threat_author(p, [data["domain"]], data["title"], units())
        t = Threat(
            version_id=v.id,
            title=data["title"],
            description=data.get("description", ""),
            domain=data["domain"],
            likelihood=data["likelihood"],
            impact=data["impact"],
            risk_level=risk_matrix().level(data["likelihood"], data["impact"]),
            created_at=uow.now,
            updated_at=uow.now,
        )
        v.threats.append(t)
        uow.flush()
        body = f"Threat '{t.title}' ({t.domain}, risk {t.risk_level}) added to assessment {a.id}."
        record(uow, a, incident, "assessment.threat_add", body, {"after": threat_view(t, None)})
        _void_signoffs(uow, a, v, incident, f"threat '{t.title}' was added")
    return t


def update_threat(p: Principal, assessment_id: int, threat_id: int, changes: dict[str, Any]) -> Threat:
    """PATCH a threat; turning it `cyber` needs every measure's owner to hold `cyber` (M1)."""
    with unit_of_work(p.username) as uow:
        a, t, incident = _threat_of(p, assessment_id, threat_id)
        check_threat_author(p, {t.domain, changes.get("domain", t.domain)}, t.title, units())
        if changes.get("domain") == CYBER_DOMAIN and t.domain != CYBER_DOMAIN:
            for m in t.measures:
                check_measure_owner(m.owner_unit, CYBER_DOMAIN, units())
        before = threat_view(t, None)
        for name in THREAT_FIELDS:
            if name in changes:
                setattr(t, name, changes[name])
        t.risk_level = risk_matrix().level(t.likelihood, t.impact)
        after = threat_view(t, None)
        if _same(before, after):
            return t
        t.updated_at = uow.now
        body = f"Threat '{t.title}' of assessment {a.id} changed (risk {before['risk_level']} → {t.risk_level})."
        record(uow, a, incident, "assessment.threat_update", body, {"before": before, "after": after})
        _void_signoffs(uow, a, t.version, incident, f"threat '{t.title}' changed")
    return t


def _same(before: dict[str, Any], after: dict[str, Any]) -> bool:
    ignore = ("updated_at", "measures")
    return {k: v for k, v in before.items() if k not in ignore} == {k: v for k, v in after.items() if k not in ignore}


def delete_threat(p: Principal, assessment_id: int, threat_id: int) -> None:
    with unit_of_work(p.username) as uow:
        a, t, incident = _threat_of(p, assessment_id, threat_id)
        check_threat_author(p, [t.domain], t.title, units())
        v, before = t.version, threat_view(t, None)
        v.threats.remove(t)
        uow.flush()
        body = f"Threat '{before['title']}' removed from assessment {a.id}."
        record(uow, a, incident, "assessment.threat_delete", body, {"before": before})
        _void_signoffs(uow, a, v, incident, f"threat '{before['title']}' was removed")


def _residual(m: Measure) -> None:
    """residual_likelihood and residual_impact come together; the level is derived from them."""
    pair = (m.residual_likelihood, m.residual_impact)
    if pair == (None, None):
        m.residual_risk_level = None
        return
    missing = [name for name, value in zip(("residual_likelihood", "residual_impact"), pair, strict=True) if not value]
    if missing:
        raise ValidationError.for_fields(
            {name: [Text(N_("required with the other residual value"))] for name in missing}
        )
    m.residual_risk_level = risk_matrix().level(*pair)  # type: ignore[arg-type]


def _check_owner(owner_unit: str, t: Threat) -> None:
    if owner_unit not in units():
        raise UnknownUnit(owner_unit, "owner_unit")
    check_measure_owner(owner_unit, t.domain, units())


def _track(uow: UnitOfWork, a: Assessment, t: Threat, m: Measure) -> None:
    """`track_as_action`: the action is made by services.actions.new_action (M1 applies there too)."""
    action = new_action(
        uow,
        title=f"{t.title}: {m.description}"[:200],
        phase=m.kind,
        owner_unit=m.owner_unit,
        mandate=measure_mandate(t.domain),
        due_at=m.due_at,
        incident_id=a.incident_id,
        assessment_id=a.id,
        description=m.description,
    )
    m.action_id = action.id


def add_measure(p: Principal, assessment_id: int, threat_id: int, data: dict[str, Any]) -> Measure:
    """POST …/threats/{tid}/measures; a cyber threat's measure needs an owner holding `cyber`."""
    with unit_of_work(p.username) as uow:
        a, t, incident = _threat_of(p, assessment_id, threat_id)
        check_threat_author(p, [t.domain], t.title, units())
        _check_owner(data["owner_unit"], t)
        m = Measure(**{k: data.get(k) for k in MEASURE_FIELDS}, created_at=uow.now, updated_at=uow.now)
        _residual(m)
        t.measures.append(m)
        uow.flush()
        if data.get("track_as_action"):
            _track(uow, a, t, m)
        body = f"{m.kind.capitalize()} measure for threat '{t.title}' added (owner {m.owner_unit})."
        record(uow, a, incident, "assessment.measure_add", body, {"after": measure_view(m)})
        _void_signoffs(uow, a, t.version, incident, f"a measure of threat '{t.title}' was added")
    return m


def update_measure(
    p: Principal, assessment_id: int, threat_id: int, measure_id: int, changes: dict[str, Any]
) -> Measure:
    with unit_of_work(p.username) as uow:
        a, t, incident = _threat_of(p, assessment_id, threat_id)
        check_threat_author(p, [t.domain], t.title, units())
        m = get_measure(t, measure_id)
        if "owner_unit" in changes:
            _check_owner(changes["owner_unit"], t)
        before = measure_view(m)
        for name in MEASURE_FIELDS:
            if name in changes:
                setattr(m, name, changes[name])
        _residual(m)
        if changes.get("track_as_action") and m.action_id is None:
            _track(uow, a, t, m)
        after = measure_view(m)
        if {**before, "updated_at": None} == {**after, "updated_at": None}:
            return m
        m.updated_at = uow.now
        body = f"Measure {m.id} of threat '{t.title}' changed."
        record(uow, a, incident, "assessment.measure_update", body, {"before": before, "after": measure_view(m)})
        _void_signoffs(uow, a, t.version, incident, f"a measure of threat '{t.title}' changed")
    return m


def delete_measure(p: Principal, assessment_id: int, threat_id: int, measure_id: int) -> None:
    """The measure goes; an action it created stays (it has its own life cycle)."""
    with unit_of_work(p.username) as uow:
        a, t, incident = _threat_of(p, assessment_id, threat_id)
        check_threat_author(p, [t.domain], t.title, units())
        m = get_measure(t, measure_id)
        before = measure_view(m)
        t.measures.remove(m)
        uow.flush()
        body = f"Measure {before['id']} of threat '{t.title}' removed."
        record(uow, a, incident, "assessment.measure_delete", body, {"before": before})
        _void_signoffs(uow, a, t.version, incident, f"a measure of threat '{t.title}' was removed")
