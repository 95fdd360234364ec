"""Derived classification of an incident (A/77/88/Add.1 footnote 1: the hybrid cyber-attack).

hybrid = cyber component AND deliberate AND programme disruption AND physical-security effect;
each criterion is `met`, `not_met` or `unknown` so a person sees why.
"""

from __future__ import annotations

from dataclasses import dataclass

from incident_hub.domain import facts as f
from incident_hub.domain.facts import IncidentFacts

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
CYBER_VECTORS = frozenset({f.DIGITAL, f.PHYSICAL_ON_IT})
PHYSICAL_EFFECTS = frozenset({f.PREMISES_SECURITY_GAP, f.PERSONNEL_HARM_RISK})


@dataclass(frozen=True)
class Classification:
    has_facts: bool
    cyber_component: bool
    physical_security_effect: bool
    hybrid_criteria: dict[str, str]

    @property
    def hybrid(self) -> bool | None:
        states = set(self.hybrid_criteria.values())
        if NOT_MET in states:
            return False
        if UNKNOWN in states:
            return None
        return True

    def to_dict(self) -> dict[str, object]:
        return {
            "cyber_component": self.cyber_component,
            "physical_security_effect": self.physical_security_effect,
            "hybrid": self.hybrid,
            "hybrid_criteria": dict(self.hybrid_criteria),
        }


def _criterion(value: bool, known: bool) -> str:
    """A fact that is present is met even before the vectors are known; an absent one is only
    `not_met` once the incident's facts are recorded."""
    if value:
        return MET
    return NOT_MET if known else UNKNOWN


def classify(facts: IncidentFacts) -> Classification:
    """Footnote 1. With no vector recorded (a raw alert) an absent fact is unknown rather than
    not met; `deliberate` is unknown whenever it is null."""
    known = bool(facts.vectors)
    cyber = bool(facts.vectors & CYBER_VECTORS)
    physical = bool(facts.effects & PHYSICAL_EFFECTS) or f.PHYSICAL in facts.vectors
    deliberate = UNKNOWN if facts.deliberate is None else (MET if facts.deliberate else NOT_MET)
    criteria = {
        "cyber_component": _criterion(cyber, known),
        "deliberate": deliberate,
        "programme_disruption": _criterion(f.PROGRAMME_DISRUPTION in facts.effects, known),
        "physical_security_effect": _criterion(physical, known),
    }
    return Classification(known, cyber, physical, criteria)


def required_mandates(c: Classification) -> frozenset[str]:
    """The mandates a lead unit must hold: cyber for anything cyber (or not yet known), else physical."""
    if c.cyber_component or not c.has_facts:
        return frozenset({"cyber"})
    if c.physical_security_effect:
        return frozenset({"physical_security"})
    return frozenset()
