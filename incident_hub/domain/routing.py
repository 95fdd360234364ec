"""Routing rules R1-R5 (A/77/88/Add.1 paras 14-16, footnote 1): which unit leads an incident.

`RULES` is an ordered table; the first rule whose test holds decides. To change a
rule, change its function here and its row in tests/domain/test_routing.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from incident_hub.domain.classification import Classification, required_mandates
from incident_hub.domain.mandates import ensure_mandates
from incident_hub.domain.translatable import N_, Text
from incident_hub.domain.units import CYBER, PHYSICAL_SECURITY, UnitRegistry

LEADING = Text(N_("leading this incident"))  # the work M1 checks when a unit leads an incident


@dataclass(frozen=True)
class Routing:
    lead_unit: str
    rule: str
    basis: str
    explanation: str
    partner_units: tuple[str, ...] = ()
    informed_units: tuple[str, ...] = ()
    joint_assessment_required: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "lead_unit": self.lead_unit,
            "partner_units": list(self.partner_units),
            "informed_units": list(self.informed_units),
            "rule": self.rule,
            "basis": self.basis,
            "explanation": self.explanation,
        }


def _others(units: UnitRegistry, lead: str, mandate: str) -> tuple[str, ...]:
    other = units.lead_for(mandate).code
    return () if other == lead else (other,)


def _r5(c: Classification, units: UnitRegistry) -> Routing | None:
    if c.has_facts:
        return None
    lead = units.lead_for(CYBER).code
    return Routing(
        lead,
        "R5",
        "A/77/88/Add.1 para 16",
        f"Not enough facts to decide, so {lead} triages until the vectors are known.",
    )


def _r3(c: Classification, units: UnitRegistry) -> Routing | None:
    if c.hybrid is not True:
        return None
    lead = units.lead_for(CYBER).code
    partners = _others(units, lead, PHYSICAL_SECURITY)
    return Routing(
        lead,
        "R3",
        "A/77/88/Add.1 para 16; footnote 1",
        f"A hybrid cyber-attack: {lead} leads"
        + (f" and {', '.join(partners)} partners for personnel and premises" if partners else "")
        + "; a joint security risk assessment is required.",
        partner_units=partners,
        joint_assessment_required=True,
    )


def _r2(c: Classification, units: UnitRegistry) -> Routing | None:
    if not (c.cyber_component and c.physical_security_effect):
        return None
    lead = units.lead_for(CYBER).code
    partners = _others(units, lead, PHYSICAL_SECURITY)
    return Routing(
        lead,
        "R2",
        "A/77/88/Add.1 paras 15-16",
        f"A cyber component with physical-security effects: {lead} leads"
        + (f"; {', '.join(partners)} partners, limited to personnel and premises." if partners else "."),
        partner_units=partners,
    )


def _r1(c: Classification, units: UnitRegistry) -> Routing | None:
    if not c.cyber_component:
        return None
    lead = units.lead_for(CYBER).code
    return Routing(lead, "R1", "A/77/88/Add.1 para 16", f"A cyber component: {lead} leads all cybersecurity response.")


def _r4(c: Classification, units: UnitRegistry) -> Routing | None:
    if c.cyber_component or not c.physical_security_effect:
        return None
    lead = units.lead_for(PHYSICAL_SECURITY).code
    return Routing(
        lead,
        "R4",
        "A/77/88/Add.1 para 16",
        f"No cyber component and a physical-security effect only: {lead} leads; "
        f"{', '.join(_others(units, lead, CYBER)) or 'no other unit'} is informed.",
        informed_units=_others(units, lead, CYBER),
    )


RULES: tuple[Callable[[Classification, UnitRegistry], Routing | None], ...] = (_r5, _r3, _r2, _r1, _r4)


def route(c: Classification, units: UnitRegistry) -> Routing:
    """The first rule that holds decides; the decision then passes the same M1 guard as any
    other assignment, so a units file that gives a rule's work to the wrong unit fails loudly.

    One rule always holds: without facts R5; with facts, a cyber vector (R1-R3) or else the
    physical vector, which is a physical-security effect (R4)."""
    decision = next(d for d in (rule(c, units) for rule in RULES) if d is not None)
    ensure_mandates(units, decision.lead_unit, required_mandates(c), LEADING)
    return decision


def override_lead(routing: Routing, unit_code: str, required: frozenset[str], units: UnitRegistry) -> Routing:
    """A manual change of lead, refused under M1 unless the unit holds every needed mandate."""
    ensure_mandates(units, unit_code, required, LEADING)
    partners = tuple(u for u in (*routing.partner_units, routing.lead_unit) if u != unit_code)
    return Routing(
        unit_code,
        routing.rule,
        routing.basis,
        f"Lead set manually to {unit_code} (routing had chosen {routing.lead_unit} by {routing.rule}).",
        partner_units=partners,
        informed_units=tuple(u for u in routing.informed_units if u != unit_code),
        joint_assessment_required=routing.joint_assessment_required,
    )


def joint_assessment_due(routing: Routing, created_at: datetime, hours: int) -> datetime | None:
    return created_at + timedelta(hours=hours) if routing.joint_assessment_required else None
