"""Instantiating playbooks for an incident (DOMAIN.md "Playbooks and actions"): each matching
playbook's steps become actions exactly once per incident and playbook version, by
INSERT … ON CONFLICT DO NOTHING on (incident_id, playbook_id, source_step), never check-then-insert.
"""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.domain.facts import IncidentFacts
from incident_hub.domain.playbooks import PlaybookDef, PlaybookInvalid, applies, from_stored, topological_order
from incident_hub.errors import RuleViolation
from incident_hub.models import Action, Incident, Playbook
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


def instantiate_playbooks(uow: UnitOfWork, incident: Incident) -> list[int]:
    """Create the actions of every current playbook that applies to `incident`; the ids created.
    A playbook key already instantiated for the incident in another version is not applied again."""
    ensure_loaded(uow)
    facts = IncidentFacts.of(incident.vectors, incident.effects, incident.deliberate)
    used = _keys_already_used(uow, incident.id)
    created: list[int] = []
    for row in current_playbooks(uow.session):
        if used.get(row.key, row.id) != row.id:
            continue
        try:
            p = from_stored(row.definition, units())
        except PlaybookInvalid as exc:
            add_event(uow, incident.id, "playbook_skipped", str(exc), {"playbook_id": row.id})
            continue
        if not applies(p, facts, incident.severity):
            continue
        ids = _instantiate(uow, incident, row, p)
        if ids:
            body = f"Playbook '{p.name}' (v{row.version}) applied: {len(ids)} action(s)."
            add_event(uow, incident.id, "playbook_applied", body, {"playbook_id": row.id, "action_ids": ids})
        created.extend(ids)
    return created
