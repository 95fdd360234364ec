"""Why a playbook applies to an incident, or not, criterion by criterion (DOMAIN.md "Playbooks and
actions"): the incident page shows this next to each playbook. Same rules as
`domain/playbooks.applies`, which stays the one that decides."""

from __future__ import annotations

from dataclasses import dataclass

from incident_hub.domain.classification import classify
from incident_hub.domain.facts import SEVERITIES, IncidentFacts, severity_rank
from incident_hub.domain.playbooks import PlaybookDef


@dataclass(frozen=True)
class Criterion:
    name: str  # vectors | effects | min_severity | hybrid | cyber_component | physical_security_effect
    met: bool
    why: str


def _words(codes: tuple[str, ...] | set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(c.replace("_", " ") for c in codes)) or "none"


def match_criteria(p: PlaybookDef, facts: IncidentFacts, severity: str) -> list[Criterion]:
    a = p.applies_to
    out: list[Criterion] = []
    if a.vectors:
        hit = facts.vectors & set(a.vectors)
        out.append(Criterion("vectors", bool(hit), f"needs any of {_words(a.vectors)}; has {_words(facts.vectors)}"))
    if a.effects:
        missing = set(a.effects) - facts.effects
        why = f"needs all of {_words(a.effects)}" + (f"; missing {_words(missing)}" if missing else "")
        out.append(Criterion("effects", not missing, why))
    ok = severity in SEVERITIES and severity_rank(severity) >= severity_rank(a.min_severity)
    out.append(Criterion("min_severity", ok, f"needs severity {a.min_severity} or higher; is {severity}"))
    c = classify(facts)
    for name, wanted in (
        ("hybrid", a.hybrid),
        ("cyber_component", a.cyber_component),
        ("physical_security_effect", a.physical_security_effect),
    ):
        if wanted is not None:
            actual = bool(getattr(c, name))
            label = name.replace("_", " ")
            out.append(
                Criterion(
                    name,
                    actual is wanted,
                    f"needs {label}: {'yes' if wanted else 'no'}; is {'yes' if actual else 'no'}",
                )
            )
    return out


def matches(criteria: list[Criterion]) -> bool:
    return all(c.met for c in criteria)
