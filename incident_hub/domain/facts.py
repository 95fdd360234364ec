"""The facts an incident records (DOMAIN.md "Classifying an incident"); classification derives from them."""

from __future__ import annotations

from dataclasses import dataclass

DIGITAL, PHYSICAL_ON_IT, PHYSICAL = "digital", "physical_on_it", "physical"
VECTORS = (DIGITAL, PHYSICAL_ON_IT, PHYSICAL)

PROGRAMME_DISRUPTION = "programme_disruption"
PREMISES_SECURITY_GAP = "premises_security_gap"
PERSONNEL_HARM_RISK = "personnel_harm_risk"
DATA_COMPROMISE = "data_compromise"
SERVICE_OUTAGE = "service_outage"
EFFECTS = (PROGRAMME_DISRUPTION, PREMISES_SECURITY_GAP, PERSONNEL_HARM_RISK, DATA_COMPROMISE, SERVICE_OUTAGE)

SEVERITIES = ("low", "medium", "high", "critical")
TLP_LABELS = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")


@dataclass(frozen=True)
class IncidentFacts:
    vectors: frozenset[str]
    effects: frozenset[str] = frozenset()
    deliberate: bool | None = None

    @classmethod
    def of(cls, vectors: list[str] | None, effects: list[str] | None, deliberate: bool | None) -> IncidentFacts:
        return cls(frozenset(vectors or ()), frozenset(effects or ()), deliberate)


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)
