"""Why each hybrid criterion is met, not met or unknown (A/77/88/Add.1 footnote 1), in words.

Pure: the web page shows these next to the stored criteria states.
"""

from __future__ import annotations

from incident_hub.domain import facts as f
from incident_hub.domain.classification import CYBER_VECTORS, MET, NOT_MET, PHYSICAL_EFFECTS
from incident_hub.domain.translatable import N_, Coded, Counted, Text

CRITERIA_LABELS = {
    "cyber_component": N_("Cyber component"),
    "deliberate": N_("Deliberate"),
    "programme_disruption": N_("Programme disruption"),
    "physical_security_effect": N_("Physical-security effect"),
}


def criterion_reason(name: str, state: str, vectors: list[str], effects: list[str], deliberate: bool | None) -> Text:
    """One sentence saying why `name` has `state` given the recorded facts (pages say it in the
    reader's language, the codes as their labels)."""
    v, e = set(vectors), set(effects)
    if name == "deliberate":
        if deliberate is None:
            return Text(N_("Nobody has recorded yet whether it was deliberate."))
        return Text(N_("Recorded as deliberate.") if deliberate else N_("Recorded as not deliberate."))
    if state not in (MET, NOT_MET):
        return Text(N_("No attack vector is recorded yet, so this cannot be decided."))
    if name == "cyber_component":
        hit = sorted(v & CYBER_VECTORS)
        if not hit:
            return Text(N_("No digital or physical-on-IT vector."))
        return Counted(
            "Vector %(vectors)s reaches IT systems.",
            "Vectors %(vectors)s reach IT systems.",
            n=len(hit),
            vectors=Coded("vector", hit),
        )
    if name == "programme_disruption":
        if f.PROGRAMME_DISRUPTION in e:
            return Text(N_("The effects include programme disruption."))
        return Text(N_("The effects do not include programme disruption."))
    if hit := sorted(e & PHYSICAL_EFFECTS):
        return Text(N_("The effects include %(effects)s."), effects=Coded("effect", hit))
    if f.PHYSICAL in v:
        return Text(N_("A physical vector was recorded."))
    return Text(N_("No premises, personnel or physical effect is recorded."))


def criteria_rows(
    criteria: dict[str, str], vectors: list[str], effects: list[str], deliberate: bool | None
) -> list[tuple[str, str, Text]]:
    """(label, state, reason) per criterion, in the order of the definition."""
    return [
        (
            label,
            criteria.get(name, "unknown"),
            criterion_reason(name, criteria.get(name, "unknown"), vectors, effects, deliberate),
        )
        for name, label in CRITERIA_LABELS.items()
    ]
