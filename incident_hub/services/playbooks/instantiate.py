"""Instantiating playbooks for an incident (DOMAIN.md "Playbooks and actions"): each matching
playbook's steps become actions exactly once per incident and playbook version, by
INSERT … ON CONFLICT DO NOTHING on (incident_id, playbook_id, source_step), never check-then-insert.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from incident_hub.domain.facts import IncidentFacts
from incident_hub.domain.playbooks import PlaybookDef, applies, topological_order
from incident_hub.errors import RuleViolation
from incident_hub.models import Action, Incident, IncidentPlaybook, Playbook
from incident_hub.services.actions.commands import check_new_action, insert_actions_once
from incident_hub.services.config_cache import PlaybookEntry, config_of, playbook_entry
from incident_hub.services.playbooks.sync import loaded_current_playbooks
from incident_hub.services.timeline import add_events
from incident_hub.services.uow import UnitOfWork


def _keys_already_used(uow: UnitOfWork, incident_id: int) -> dict[str, int]:
    """Playbook key → version row id already instantiated for this incident."""
    rows = uow.session.execute(
        select(Playbook.key, Playbook.id)
        .join(Action, Action.playbook_id == Playbook.id)
        .where(Action.incident_id == incident_id)
    ).all()
    return {key: pid for key, pid in rows}


Event = tuple[str, str, dict[str, Any] | None]


def _steps(
    uow: UnitOfWork, incident: Incident, playbook_id: int, p: PlaybookDef, skipped: list[Event]
) -> list[dict[str, Any]]:
    """The action rows of the playbook's steps that pass M1; a step whose owner no longer passes
    (the units changed since the playbook was stored) is left out and said in `skipped`."""
    rows: list[dict[str, Any]] = []
    for step in topological_order(p.steps):
        try:
            check_new_action(uow, step.title, step.phase, step.owner_unit, step.mandate, incident.id)
        except RuleViolation as exc:
            skipped.append(("playbook_step_skipped", exc.message, {"playbook_id": playbook_id, "step": step.id}))
            continue
        rows.append(
            {
                "title": step.title,
                "description": step.description,
                "phase": step.phase,
                "owner_unit": step.owner_unit,
                "mandate": step.mandate,
                "due_at": uow.now + step.delay,
                "incident_id": incident.id,
                "playbook_id": playbook_id,
                "source_step": step.id,
            }
        )
    return rows


def _detached_keys(uow: UnitOfWork, incident_id: int) -> set[str]:
    q = select(IncidentPlaybook.playbook_key).where(
        IncidentPlaybook.incident_id == incident_id, IncidentPlaybook.detached_at.is_not(None)
    )
    return set(uow.session.execute(q).scalars())


def instantiate_one(uow: UnitOfWork, incident: Incident, row: Playbook, p: PlaybookDef) -> list[int]:
    """One playbook applied by hand (services/playbooks/on_incident.py): its steps as actions of
    `incident`, each once; steps refused by M1 or by who takes part are said on the timeline."""
    skipped: list[Event] = []
    created = insert_actions_once(uow, _steps(uow, incident, row.id, p, skipped))
    ids = [action_id for action_id, _ in created]
    body = f"Playbook '{p.name}' (v{row.version}) applied by hand: {len(ids)} action(s)."
    add_events(uow, incident.id, [*skipped, ("playbook_applied", body, {"playbook_id": row.id, "action_ids": ids})])
    return ids


def _current(uow: UnitOfWork) -> list[PlaybookEntry]:
    """The current playbooks from the worker's checked copy; on an empty table the first use loads
    the files in this transaction (sync.ensure_loaded), and the other workers reload theirs."""
    entries = config_of(uow).playbooks
    if entries:
        return list(entries)
    return [playbook_entry(r.id, r.key, r.version, r.name, r.definition) for r in loaded_current_playbooks(uow)]


def instantiate_playbooks(uow: UnitOfWork, incident: Incident, new: bool = False) -> list[int]:
    """Create the actions of every current playbook that applies to `incident`, all in one
    multi-row INSERT; the ids created. A playbook key already instantiated for the incident in
    another version is not applied again, nor one detached from it (a `new` incident has
    neither, so that is not read)."""
    facts = IncidentFacts.of(incident.vectors, incident.effects, incident.deliberate)
    used = {} if new else _keys_already_used(uow, incident.id)
    detached = set() if new else _detached_keys(uow, incident.id)
    plan: list[tuple[PlaybookEntry, list[Event]]] = []  # in playbook order
    rows: list[dict[str, Any]] = []
    for entry in _current(uow):
        if used.get(entry.key, entry.id) != entry.id or entry.key in detached:
            continue
        if entry.definition is None:
            plan.append((entry, [("playbook_skipped", entry.problem, {"playbook_id": entry.id})]))
            continue
        if not applies(entry.definition, facts, incident.severity):
            continue
        skipped: list[Event] = []
        rows += _steps(uow, incident, entry.id, entry.definition, skipped)
        plan.append((entry, skipped))
    created = insert_actions_once(uow, rows, new)
    by_playbook: dict[int, list[int]] = {}
    for action_id, values in created:
        by_playbook.setdefault(values["playbook_id"], []).append(action_id)
    events: list[Event] = []
    for entry, skipped in plan:
        events += skipped
        if entry.definition is not None and by_playbook.get(entry.id):
            done = by_playbook[entry.id]
            body = f"Playbook '{entry.definition.name}' (v{entry.version}) applied: {len(done)} action(s)."
            events.append(("playbook_applied", body, {"playbook_id": entry.id, "action_ids": done}))
    add_events(uow, incident.id, events)
    return [action_id for action_id, _ in created]
