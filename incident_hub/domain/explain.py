"""Why each hybrid criterion is met, not met or unknown (A/77/88/Add.1 footnote 1), in words.

Pure: the web page shows these next to the stored criteria states.
"""

from __future__ import annotations

from incident_hub.domain import facts as f
from incident_hub.domain.classification import CYBER_VECTORS, MET, NOT_MET, PHYSICAL_EFFECTS
from incident_hub.domain.translatable import N_

CRITERIA_LABELS = {
    "cyber_component": N_("Cyber component"),
    "deliberate": N_("Deliberate"),
    "programme_disruption": N_("Programme disruption"),
    "physical_security_effect": N_("Physical-security effect"),
}


def _names(values: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "none"


def criterion_reason(name: str, state: str, vectors: list[str], effects: list[str], deliberate: bool | None) -> str:
    """One sentence saying why `name` has `state` given the recorded facts."""
    v, e = set(vectors), set(effects)
    if name == "deliberate":
        if deliberate is None:
            return "Nobody has recorded yet whether it was deliberate."
        return "Recorded as deliberate." if deliberate else "Recorded as not deliberate."
    if state not in (MET, NOT_MET):
        return "No attack vector is recorded yet, so this cannot be decided."
    if name == "cyber_component":
        hit = v & CYBER_VECTORS
        return f"Vector(s) {_names(hit)} reach IT systems." if hit else "No digital or physical-on-IT vector."
    if name == "programme_disruption":
        if f.PROGRAMME_DISRUPTION in e:
            return "The effects include programme disruption."
        return "The effects do not include programme disruption."
    hit = e & PHYSICAL_EFFECTS
    if hit:
        return f"The effects include {_names(hit)}."
    if f.PHYSICAL in v:
        return "A physical vector was recorded."
    return "No premises, personnel or physical effect is recorded."


def criteria_rows(
    criteria: dict[str, str], vectors: list[str], effects: list[str], deliberate: bool | None
) -> list[tuple[str, str, str]]:
    """(label, state, reason) per criterion, in the order of the definition."""
    return [
        (
            label,
            criteria.get(name, "unknown"),
            criterion_reason(name, criteria.get(name, "unknown"), vectors, effects, deliberate),
        )
        for name, label in CRITERIA_LABELS.items()
    ]
