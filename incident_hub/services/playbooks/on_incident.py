"""Playbooks on one incident (DOMAIN.md "Playbooks and actions"; API.md "Incidents"): which current
playbooks match it and why, applying one by hand (its steps become actions once; M1 holds), and
detaching one with a reason (its open actions become `cancelled`, and routing never applies it
to this incident again).

Who may: the incident's lead unit and managers (domain/access.may_manage_playbooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal, may_manage_playbooks
from incident_hub.domain.facts import IncidentFacts
from incident_hub.domain.lifecycle import OPEN_ACTION_STATUSES
from incident_hub.domain.mandates import ensure_mandates
from incident_hub.domain.playbook_match import Criterion, match_criteria, matches
from incident_hub.domain.playbooks import PlaybookDef, PlaybookInvalid, from_stored
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, Forbidden, NotFound, ValidationError
from incident_hub.extensions import db
from incident_hub.models import Action, Incident, IncidentPlaybook, Playbook
from incident_hub.runtime import units
from incident_hub.services.actions.queries import action_snapshot
from incident_hub.services.playbooks.instantiate import instantiate_one
from incident_hub.services.playbooks.sync import current_playbooks
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.visibility import get_visible_incident

MAX_REASON = 2000


@dataclass(frozen=True)
class PlaybookOnIncident:
    key: str
    playbook_id: int
    name: str
    version: int
    criteria: list[Criterion]
    matches: bool
    how: str | None  # matched | manual | None (never applied)
    actions: int
    open_actions: int
    detached_at: datetime | None
    detached_by: str | None
    detach_reason: str | None

    @property
    def applied(self) -> bool:
        return self.actions > 0 and self.detached_at is None


def _check_may(principal: Principal, incident: Incident) -> None:
    if not may_manage_playbooks(principal, incident.lead_unit):
        raise Forbidden(Text(N_("Only the incident's lead unit or a manager may apply or detach playbooks.")))
    if incident.status == "closed":
        raise Conflict(Text(N_("A closed incident cannot be changed; a manager may reopen it.")), {"status": "closed"})


def _counts(incident_id: int) -> dict[str, tuple[int, int]]:
    """Playbook key → (actions, open actions) on the incident, one GROUP BY."""
    is_open = func.sum(case((Action.status.in_(OPEN_ACTION_STATUSES), 1), else_=0))
    rows = db.session.execute(
        select(Playbook.key, func.count(Action.id), is_open)
        .join(Action, Action.playbook_id == Playbook.id)
        .where(Action.incident_id == incident_id)
        .group_by(Playbook.key)
    ).all()
    return {key: (int(n), int(o or 0)) for key, n, o in rows}


def playbooks_for_incident(principal: Principal, incident_id: int) -> list[PlaybookOnIncident]:
    """Every current playbook, matching ones first, with the criteria and what was done with it."""
    incident = get_visible_incident(principal, incident_id)
    facts = IncidentFacts.of(incident.vectors, incident.effects, incident.deliberate)
    rows = {
        r.playbook_key: r
        for r in db.session.execute(select(IncidentPlaybook).filter_by(incident_id=incident.id)).scalars()
    }
    counts = _counts(incident.id)
    out: list[PlaybookOnIncident] = []
    for row in current_playbooks(db.session):
        try:
            p = from_stored(row.definition, units())
        except PlaybookInvalid:
            continue
        criteria = match_criteria(p, facts, incident.severity)
        link = rows.get(row.key)
        n, n_open = counts.get(row.key, (0, 0))
        how = link.how if link else ("matched" if n else None)
        out.append(
            PlaybookOnIncident(
                row.key,
                row.id,
                row.name,
                row.version,
                criteria,
                matches(criteria),
                how,
                n,
                n_open,
                link.detached_at if link else None,
                link.detached_by if link else None,
                link.detach_reason if link else None,
            )
        )
    return sorted(out, key=lambda x: (not x.matches, not x.applied, x.name))


def _definition(row: Playbook) -> PlaybookDef:
    try:
        return from_stored(row.definition, units())
    except PlaybookInvalid as exc:
        raise ValidationError.for_fields({"playbook_id": [str(exc)]}) from exc


def apply_playbook(principal: Principal, incident_id: int, playbook_id: int) -> list[int]:
    """Apply a playbook by hand, matching or not: its steps become actions once (409 when it is
    already applied); refused under M1 as a whole when a step's owner lacks the mandate."""
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        _check_may(principal, incident)
        row = uow.session.get(Playbook, playbook_id)
        if row is None or row.superseded_at is not None:
            raise NotFound(Text(N_("No current playbook %(id)s."), id=playbook_id))
        p = _definition(row)
        for step in p.steps:
            work = Text(N_("owning %(title)s"), title=repr(step.title))
            ensure_mandates(units(), step.owner_unit, [step.mandate] if step.mandate else [], work)
        link = uow.session.get(IncidentPlaybook, (incident.id, row.key))
        if _counts(incident.id).get(row.key, (0, 0))[0] and (link is None or link.detached_at is None):
            raise Conflict(
                Text(N_("Playbook %(name)s is already applied to this incident."), name=repr(p.name)),
                {"playbook_id": playbook_id},
            )
        _link(uow, incident, row, "manual", link)
        ids = instantiate_one(uow, incident, row, p)
        uow.audit(
            "incident.playbook_apply",
            "incident",
            incident.id,
            None,
            {"playbook_id": row.id, "key": row.key, "action_ids": ids},
        )
    return ids


def _link(uow: UnitOfWork, incident: Incident, row: Playbook, how: str, link: IncidentPlaybook | None) -> None:
    if link is None:
        link = IncidentPlaybook(incident_id=incident.id, playbook_key=row.key)
        uow.session.add(link)
    link.playbook_id, link.how, link.applied_at, link.applied_by = row.id, how, uow.now, uow.actor
    link.detached_at = link.detached_by = link.detach_reason = None


def detach_playbook(principal: Principal, incident_id: int, playbook_id: int, reason: str) -> list[int]:
    """Detach a playbook: its open, in-progress and blocked actions on the incident become
    `cancelled` with the reason; the ids cancelled."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError.for_fields(
            {"reason": [f"say why the playbook is detached (at most {MAX_REASON} characters)"]}
        )
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        _check_may(principal, incident)
        row = uow.session.get(Playbook, playbook_id)
        if row is None:
            raise NotFound(Text(N_("No playbook %(id)s."), id=playbook_id))
        link = uow.session.get(IncidentPlaybook, (incident.id, row.key))
        if link is not None and link.detached_at is not None:
            raise Conflict(Text(N_("Playbook %(name)s is already detached from this incident."), name=repr(row.name)))
        if link is None:
            link = IncidentPlaybook(
                incident_id=incident.id,
                playbook_key=row.key,
                playbook_id=row.id,
                how="matched",
                applied_at=uow.now,
                applied_by=uow.actor,
            )
            uow.session.add(link)
        link.detached_at, link.detached_by, link.detach_reason = uow.now, uow.actor, reason
        cancelled = _cancel_open(uow, incident.id, row.key, reason)
        body = f"Playbook '{row.name}' detached: {reason}" + (
            f" ({len(cancelled)} open action(s) cancelled)" if cancelled else ""
        )
        add_event(uow, incident.id, "playbook_detached", body, {"playbook_id": row.id, "cancelled": cancelled})
        uow.audit(
            "incident.playbook_detach",
            "incident",
            incident.id,
            None,
            {"playbook_id": row.id, "key": row.key, "reason": reason, "cancelled": cancelled},
        )
    return cancelled


def _cancel_open(uow: UnitOfWork, incident_id: int, key: str, reason: str) -> list[int]:
    versions = select(Playbook.id).where(Playbook.key == key)
    actions = uow.session.execute(
        select(Action).where(
            Action.incident_id == incident_id, Action.playbook_id.in_(versions), Action.status.in_(OPEN_ACTION_STATUSES)
        )
    ).scalars()
    ids = []
    for action in actions:
        before = action_snapshot(action)
        action.status, action.cancel_reason, action.updated_at = "cancelled", reason, uow.now
        uow.audit("action.transition", "action", action.id, before, action_snapshot(action))
        ids.append(action.id)
    return ids


def playbook_view(x: PlaybookOnIncident) -> dict[str, object]:
    return {
        "playbook_id": x.playbook_id,
        "key": x.key,
        "name": x.name,
        "version": x.version,
        "matches": x.matches,
        "criteria": [{"name": c.name, "met": c.met, "why": c.why} for c in x.criteria],
        "applied": x.applied,
        "how": x.how,
        "actions": x.actions,
        "open_actions": x.open_actions,
        "detached_at": to_iso(x.detached_at),
        "detached_by": x.detached_by,
        "detach_reason": x.detach_reason,
    }
