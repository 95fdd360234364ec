"""What a facts edit would change, before it is saved (the incident edit page's preview): the
classification, the routing rule and units, whether a joint assessment becomes required, and the
playbooks (with their actions) that would be added. Reads only; the same domain functions the
save runs (classify, route, applies), so the preview and the save agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from incident_hub.domain.access import Principal
from incident_hub.domain.classification import classify
from incident_hub.domain.facts import IncidentFacts
from incident_hub.domain.playbooks import PlaybookInvalid, applies, from_stored
from incident_hub.domain.routing import Routing, route
from incident_hub.extensions import db
from incident_hub.models import Action, IncidentPlaybook, Playbook
from incident_hub.runtime import units
from incident_hub.services.playbooks.sync import current_playbooks
from incident_hub.services.visibility import get_visible_incident


@dataclass(frozen=True)
class NewPlaybook:
    name: str
    actions: list[str]  # "title (owner unit)"


@dataclass(frozen=True)
class FactsPreview:
    before: Routing
    after: Routing
    hybrid_before: bool | None
    hybrid_after: bool | None
    playbooks: list[NewPlaybook] = field(default_factory=list)

    @property
    def rerouted(self) -> bool:
        return (self.before.rule, self.before.lead_unit) != (self.after.rule, self.after.lead_unit)

    @property
    def changes_anything(self) -> bool:
        return self.before != self.after or self.hybrid_before != self.hybrid_after or bool(self.playbooks)


def _current_routing(i: Any) -> Routing:
    return Routing(
        i.lead_unit, i.rule, i.routing_basis, i.routing_explanation,
        tuple(i.partner_units), tuple(i.informed_units), i.rule == "R3",
    )  # fmt: skip


def preview_facts(principal: Principal, incident_id: int, changes: dict[str, Any]) -> FactsPreview:
    incident = get_visible_incident(principal, incident_id)
    facts = IncidentFacts.of(
        changes.get("vectors", incident.vectors),
        changes.get("effects", incident.effects),
        changes.get("deliberate", incident.deliberate),
    )
    severity = changes.get("severity", incident.severity)
    c = classify(facts)
    after = route(c, units())
    used = set(
        db.session.execute(
            select(Playbook.key)
            .join(Action, Action.playbook_id == Playbook.id)
            .where(Action.incident_id == incident.id)
        ).scalars()
    )
    used |= set(
        db.session.execute(
            select(IncidentPlaybook.playbook_key).where(IncidentPlaybook.incident_id == incident.id)
        ).scalars()
    )
    added: list[NewPlaybook] = []
    for row in current_playbooks(db.session):
        if row.key in used:
            continue
        try:
            p = from_stored(row.definition, units())
        except PlaybookInvalid:
            continue
        if applies(p, facts, severity):
            added.append(NewPlaybook(p.name, [f"{s.title} ({s.owner_unit})" for s in p.steps]))
    return FactsPreview(_current_routing(incident), after, incident.hybrid, c.hybrid, added)
