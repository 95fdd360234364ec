"""Instantiating playbooks for an incident (DOMAIN.md "Playbooks and actions"): each matching
playbook's steps become actions exactly once per incident and playbook version, by
INSERT … ON CONFLICT DO NOTHING on (incident_id, playbook_id, source_step), never check-then-insert.
"""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.domain.facts import IncidentFacts
from incident_hub.domain.playbooks import PlaybookDef, PlaybookInvalid, applies, from_stored, topological_order
from incident_hub.errors import RuleViolation
from incident_hub.models import Action, Incident, IncidentPlaybook, Playbook
from incident_hub.runtime import units
from incident_hub.services.actions.commands import insert_action_once
from incident_hub.services.playbooks.sync import current_playbooks, ensure_loaded
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork


def _keys_already_used(uow: UnitOfWork, incident_id: int) -> dict[str, int]:
    """Playbook key → version row id already instantiated for this incident."""
    rows = uow.session.execute(
        select(Playbook.key, Playbook.id)
        .join(Action, Action.playbook_id == Playbook.id)
        .where(Action.incident_id == incident_id)
    ).all()
    return {key: pid for key, pid in rows}


def _instantiate(uow: UnitOfWork, incident: Incident, row: Playbook, p: PlaybookDef) -> list[int]:
    created: list[int] = []
    for step in topological_order(p.steps):
        try:
            action_id = insert_action_once(
                uow,
                title=step.title,
                description=step.description,
                phase=step.phase,
                owner_unit=step.owner_unit,
                mandate=step.mandate,
                due_at=uow.now + step.delay,
                incident_id=incident.id,
                playbook_id=row.id,
                source_step=step.id,
            )
        except RuleViolation as exc:  # the units changed since the playbook was stored
            add_event(uow, incident.id, "playbook_step_skipped", exc.message, {"playbook_id": row.id, "step": step.id})
            continue
        if action_id is not None:
            created.append(action_id)
    return created


def _detached_keys(uow: UnitOfWork, incident_id: int) -> set[str]:
    q = select(IncidentPlaybook.playbook_key).where(
        IncidentPlaybook.incident_id == incident_id, IncidentPlaybook.detached_at.is_not(None)
    )
    return set(uow.session.execute(q).scalars())


def instantiate_one(
    uow: UnitOfWork, incident: Incident, row: Playbook, p: PlaybookDef, manual: bool = False
) -> list[int]:
    """One playbook's steps as actions of `incident` (each once), and a timeline line."""
    ids = _instantiate(uow, incident, row, p)
    if ids or manual:
        how = "applied by hand" if manual else "applied"
        body = f"Playbook '{p.name}' (v{row.version}) {how}: {len(ids)} action(s)."
        add_event(uow, incident.id, "playbook_applied", body, {"playbook_id": row.id, "action_ids": ids})
    return ids


def instantiate_playbooks(uow: UnitOfWork, incident: Incident) -> list[int]:
    """Create the actions of every current playbook that applies to `incident`; the ids created.
    A playbook key already instantiated for the incident in another version is not applied again,
    nor one detached from it (services/playbooks/on_incident.py)."""
    ensure_loaded(uow)
    facts = IncidentFacts.of(incident.vectors, incident.effects, incident.deliberate)
    used = _keys_already_used(uow, incident.id)
    detached = _detached_keys(uow, incident.id)
    created: list[int] = []
    for row in current_playbooks(uow.session):
        if used.get(row.key, row.id) != row.id or row.key in detached:
            continue
        try:
            p = from_stored(row.definition, units())
        except PlaybookInvalid as exc:
            add_event(uow, incident.id, "playbook_skipped", str(exc), {"playbook_id": row.id})
            continue
        if not applies(p, facts, incident.severity):
            continue
        created.extend(instantiate_one(uow, incident, row, p))
    return created
