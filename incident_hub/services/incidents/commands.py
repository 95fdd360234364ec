"""Incident use cases: create, new facts (reclassify and reroute), manual lead, transitions, comments.

Each one is a transaction that stores what the domain decided and audits it.
"""

from __future__ import annotations

from typing import Any

from incident_hub.domain.access import Principal, check_may_change_incident, sees_detection, taking_part
from incident_hub.domain.classification import classify, required_mandates
from incident_hub.domain.closure import check_closure, check_reopen, check_resolution_note
from incident_hub.domain.facts import IncidentFacts
from incident_hub.domain.lifecycle import INCIDENT_STAMPS, check_incident_transition, incident_stamps
from incident_hub.domain.notifications import mentioned_usernames
from incident_hub.domain.routing import Routing, joint_assessment_due, override_lead, route
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, ValidationError
from incident_hub.models import Incident, IncidentUnit, TimelineEvent, User
from incident_hub.runtime import settings, units
from incident_hub.services.actions.commands import cancel_departed_work
from incident_hub.services.evidence.observables import record_detection_indicators
from incident_hub.services.incidents.closure import closure_facts
from incident_hub.services.incidents.queries import get_visible_incident, incident_snapshot
from incident_hub.services.incidents.search import index_comment, index_incident
from incident_hub.services.notify import events as notify
from incident_hub.services.timeline import add_event, add_event_now, add_events
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.upsert import multirow_insert

FACT_FIELDS = ("vectors", "effects", "deliberate")
STAMP_FIELDS = tuple(INCIDENT_STAMPS.values())
PLAIN_FIELDS = ("title", "description", "severity", "location", "tlp", "occurred_at", "detection")
SEARCHED_FIELDS = {"title", "description", "location", "detection"}  # services/incidents/search.py
INSERT_UNITS = multirow_insert(IncidentUnit)


def facts_of(incident: Incident) -> IncidentFacts:
    return IncidentFacts.of(incident.vectors, incident.effects, incident.deliberate)


def _store_routing(uow: UnitOfWork, incident: Incident, r: Routing) -> None:
    incident.lead_unit = r.lead_unit
    incident.partner_units = list(r.partner_units)
    incident.informed_units = list(r.informed_units)
    incident.rule, incident.routing_basis, incident.routing_explanation = r.rule, r.basis, r.explanation
    if incident.id is None:
        uow.flush()  # a new incident has no unit rows to delete
    else:
        uow.session.query(IncidentUnit).filter_by(incident_id=incident.id).delete()
    rows = [(r.lead_unit, "lead")] + [(code, "partner") for code in r.partner_units]
    rows += [(code, "informed") for code in r.informed_units]
    values = [{"incident_id": incident.id, "unit": code, "relation": relation} for code, relation in rows]
    uow.session.connection().execute(INSERT_UNITS, values)


def _classify_and_route(uow: UnitOfWork, incident: Incident) -> Routing:
    c = classify(facts_of(incident))
    incident.cyber_component, incident.physical_security_effect = c.cyber_component, c.physical_security_effect
    incident.hybrid, incident.hybrid_criteria = c.hybrid, dict(c.hybrid_criteria)
    routing = route(c, units())
    _store_routing(uow, incident, routing)
    incident.lead_overridden = False
    if not routing.joint_assessment_required:
        incident.joint_assessment_due_at = None
    elif incident.joint_assessment_due_at is None:
        incident.joint_assessment_due_at = joint_assessment_due(routing, uow.now, settings().joint_assessment_hours)
    return routing


def after_routing(uow: UnitOfWork, incident: Incident, routing: Routing, new: bool = False) -> None:
    """Work that follows a routing decision (playbook actions, the joint assessment) joins this
    transaction, so an incident is never stored without it. A `new` incident has no assessment,
    action or review yet, so nothing is read to find them."""
    from incident_hub.services.assessments.commands import on_incident_routed  # imports this module
    from incident_hub.services.playbooks.instantiate import instantiate_playbooks
    from incident_hub.services.reviews.commands import sync_review

    on_incident_routed(uow, incident, routing, new)
    instantiate_playbooks(uow, incident, new)
    if not new:
        sync_review(uow, incident)


def _check_detection(principal: Principal, data: dict[str, Any]) -> None:
    """Para 6: detection details come from (and go to) OICT and managers only."""
    if data.get("detection") is not None and not sees_detection(principal, units()):
        raise ValidationError.for_fields(
            {"detection": [Text(N_("only OICT responders and managers may record detection details"))]}
        )


def create_incident(principal: Principal, data: dict[str, Any], created_by_id: int | None = None) -> Incident:
    _check_detection(principal, data)
    with unit_of_work(principal.username) as uow:
        incident = new_incident(uow, data, created_by_id)
    return incident


def new_incident(uow: UnitOfWork, data: dict[str, Any], created_by_id: int | None) -> Incident:
    """Create inside an open unit of work (also used by intake)."""
    incident = Incident(
        title=data["title"],
        description=data.get("description", ""),
        vectors=sorted(set(data.get("vectors") or [])),
        effects=sorted(set(data.get("effects") or [])),
        deliberate=data.get("deliberate"),
        severity=data.get("severity", "medium"),
        location=data.get("location", ""),
        tlp=data.get("tlp", "TLP:AMBER"),
        occurred_at=data.get("occurred_at"),
        detection=data.get("detection"),
        joint_assessment_due_at=None,  # set here, so routing that leaves it unset adds no UPDATE
        status="new",
        created_by_id=created_by_id,
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(incident)
    routing = _classify_and_route(uow, incident)
    routed = {"rule": routing.rule, "lead_unit": routing.lead_unit}
    add_events(
        uow,
        incident.id,
        [("created", f"Incident created: {incident.title}", None), ("routed", routing.explanation, routed)],
    )
    after_routing(uow, incident, routing, new=True)
    index_incident(uow.session, incident, with_comments=False)
    uow.audit("incident.create", "incident", incident.id, None, incident_snapshot(incident))
    _record_indicators(uow, incident)
    notify.incident_created(uow, incident)
    return incident


def _record_indicators(uow: UnitOfWork, incident: Incident) -> None:
    """Typed detection indicators are also kept as detection observables (searchable, issue 16)."""
    indicators = (incident.detection or {}).get("indicators") or []
    if indicators:
        record_detection_indicators(uow, incident, list(indicators), uow.now)


def update_incident(principal: Principal, incident_id: int, changes: dict[str, Any]) -> Incident:
    """New facts re-run classification and routing; `lead_unit` is a manual override under M1."""
    _check_detection(principal, changes)
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        check_may_change_incident(principal, incident.lead_unit, units())
        if incident.status == "closed":
            raise Conflict(
                Text(N_("A closed incident cannot be changed; a manager may reopen it.")), {"status": "closed"}
            )
        before = incident_snapshot(incident)
        for name in PLAIN_FIELDS:
            if name in changes:
                setattr(incident, name, changes[name])
        if any(name in changes for name in FACT_FIELDS):
            for name in FACT_FIELDS:
                if name in changes:
                    value = changes[name]
                    setattr(incident, name, sorted(set(value or [])) if name != "deliberate" else value)
            _reroute(uow, incident, before)
        if "lead_unit" in changes and changes["lead_unit"] != incident.lead_unit:
            _override(uow, incident, changes["lead_unit"], before)
        if "owner" in changes:
            _set_owner(uow, incident, changes["owner"], principal)
        incident.updated_at = uow.now
        if SEARCHED_FIELDS & changes.keys():
            index_incident(uow.session, incident)
        uow.audit("incident.update", "incident", incident.id, before, incident_snapshot(incident))
        if "detection" in changes:
            _record_indicators(uow, incident)
    return incident


def _reroute(uow: UnitOfWork, incident: Incident, before: dict[str, Any]) -> None:
    routing = _classify_and_route(uow, incident)
    if (routing.rule, routing.lead_unit) != (before["routing"]["rule"], before["routing"]["lead_unit"]):
        add_event(
            uow,
            incident.id,
            "rerouted",
            f"New facts: {before['routing']['rule']} → {routing.rule}. {routing.explanation}",
            {"before": before["routing"], "after": routing.to_dict()},
        )
        uow.audit("incident.reroute", "incident", incident.id, before["routing"], routing.to_dict())
    _cancel_departed(uow, incident, before, routing, f"re-routing {before['routing']['rule']} → {routing.rule}")
    after_routing(uow, incident, routing)
    if _units_of(routing.to_dict()) != _units_of(before["routing"]):
        notify.incident_routed(uow, incident, notify.actor_id(uow))


def _units_of(routing: dict[str, Any]) -> tuple[Any, ...]:
    return (
        routing.get("lead_unit"),
        sorted(routing.get("partner_units") or []),
        sorted(routing.get("informed_units") or []),
    )


def _cancel_departed(uow: UnitOfWork, incident: Incident, before: dict[str, Any], r: Routing, change: str) -> None:
    """Units the new routing no longer names lose their open actions on the incident."""
    old = before["routing"]
    departed = taking_part(old["lead_unit"], old["partner_units"], old["informed_units"]) - taking_part(
        r.lead_unit, r.partner_units, r.informed_units
    )
    cancel_departed_work(uow, incident, departed, change)


def _override(uow: UnitOfWork, incident: Incident, unit_code: str, before: dict[str, Any]) -> None:
    needed = required_mandates(classify(facts_of(incident)))
    current = Routing(
        incident.lead_unit,
        incident.rule,
        incident.routing_basis,
        incident.routing_explanation,
        tuple(incident.partner_units),
        tuple(incident.informed_units),
        incident.rule == "R3",
    )
    routing = override_lead(current, unit_code, needed, units())
    _store_routing(uow, incident, routing)
    incident.lead_overridden = True
    add_event(
        uow,
        incident.id,
        "rerouted",
        routing.explanation,
        {"before": before["routing"], "after": routing.to_dict(), "manual": True},
    )
    uow.audit("incident.override_lead", "incident", incident.id, before["routing"], routing.to_dict())
    _cancel_departed(uow, incident, before, routing, f"the manual change of lead to {unit_code}")
    notify.incident_routed(uow, incident, notify.actor_id(uow))


def _set_owner(uow: UnitOfWork, incident: Incident, username: str | None, principal: Principal) -> None:
    """The incident commander: an active user of the lead unit, or nobody (audited, on the timeline)."""
    owner = None
    if username is not None:
        owner = uow.session.query(User).filter_by(username=username).one_or_none()
        if owner is None or not owner.active:
            raise ValidationError.for_fields(
                {"owner": [Text(N_("no active user named %(name)s"), name=repr(username))]}
            )
        if owner.unit != incident.lead_unit:
            raise ValidationError.for_fields(
                {"owner": [Text(N_("must be a member of the lead unit %(unit)s"), unit=incident.lead_unit)]}
            )
    if (owner.id if owner else None) == incident.owner_id:
        return
    before = incident.owner.username if incident.owner is not None else None
    incident.owner_id, incident.owner = (owner.id, owner) if owner else (None, None)
    body = f"Owner: {username}." if username else "Owner removed."
    add_event(uow, incident.id, "owner", body, {"before": before, "after": username})
    uow.audit("incident.owner", "incident", incident.id, {"owner": before}, {"owner": username})
    if owner is not None:
        notify.owner_assigned(uow, incident, principal.user_id or None)


def transition_incident(
    principal: Principal, incident_id: int, target: str, note: str = "", override_reason: str = "", reason: str = ""
) -> Incident:
    """A status change (domain/lifecycle.py); `→ resolved` needs a resolution note, `→ closed`
    passes the closure rule (or a manager's `override_reason`), `closed → acknowledged` is a
    manager's reopen with a `reason` (domain/closure.py)."""
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        check_may_change_incident(principal, incident.lead_unit, units())
        current = incident.status
        check_incident_transition(current, target)
        body, extra = _closure_rules(uow, principal, incident, target, note, override_reason, reason)
        stamps = incident_stamps(current, target, {f: getattr(incident, f) for f in STAMP_FIELDS}, uow.now)
        incident.status = target
        for name, value in stamps.items():
            setattr(incident, name, value)
        incident.updated_at = uow.now
        add_event(uow, incident.id, "status", body or f"Status {current} → {target}", {"from": current, "to": target})
        after = {"status": target, "note": note, **extra}
        uow.audit("incident.transition", "incident", incident.id, {"status": current}, after)
        notify.status_changed(uow, incident, current, principal.user_id or None)
    return incident


def _closure_rules(
    uow: UnitOfWork, principal: Principal, incident: Incident, target: str, note: str, override: str, reason: str
) -> tuple[str, dict[str, Any]]:
    """The timeline line and the audit's extra fields of a move the closure rules govern."""
    if target == "resolved":
        incident.resolution_note = check_resolution_note(note)
        return f"Resolved: {incident.resolution_note}", {}
    if target == "closed":
        used = check_closure(closure_facts(uow.session, incident), principal.is_manager, override)
        incident.closure_override_reason = used
        if used is None:
            return note, {}
        return f"Closed by a manager with work still open: {used}", {"override_reason": used}
    if incident.status == "closed":
        why = check_reopen(principal.is_manager, reason or note)
        incident.closure_override_reason = None
        return f"Reopened: {why}", {"reason": why}
    return note, {}


def add_comment(principal: Principal, incident_id: int, body: str) -> TimelineEvent:
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        event = add_event_now(uow, incident.id, "comment", body)
        index_comment(uow.session, incident.id, body)
        uow.flush()
        uow.audit("incident.comment", "incident", incident.id, None, {"event_id": event.id})
        notify.mentioned(uow, incident, mentioned_usernames(body), event.id, principal.user_id or None)
    return event
