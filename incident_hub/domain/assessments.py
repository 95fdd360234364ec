"""Rules of the joint security risk assessment (DOMAIN.md "Joint security risk assessment";
A/77/88/Add.1 para 16: DSS and OICT "jointly carry out the security risk assessment"; paras 15-16
for the mandate guard M1; STANDARDS.md §1 for residual risk).

Decisions recorded here [P]:
- Joint when the incident's rule is R2 or R3. A joint assessment needs a sign-off from the unit
  leading `cyber` and the unit leading `physical_security` (OICT and DSS by default). A non-joint
  assessment of an incident needs its lead unit; a subject-only one needs any one unit.
- A sign-off is given for the caller's unit by any user of that unit (a manager of the unit too).
  Users without a unit (admins, unit-less managers) cannot sign: a sign-off speaks for a unit.
- M1 on threats: a user whose unit lacks `cyber` cannot add, edit or delete a `cyber` threat (nor
  its measures). Managers and admins without a unit act for the organisation and are cyber-cleared
  (as in domain/access.py), so they may.
- M1 on measures: a `cyber` threat's measure is owned only by a unit holding `cyber`.
- Any change to threats or measures voids the sign-offs; frozen versions refuse change (409).
- Residual risk: a threat's residual is the lowest residual among its measures (its inherent level
  when none is estimated); signing an assessment whose residual is High or above needs a manager —
  the "recorded manager decision" of STANDARDS.md §1.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from incident_hub.domain.access import Principal, is_cyber_cleared
from incident_hub.domain.lifecycle import PHASES
from incident_hub.domain.mandates import ensure_mandates, may_hold
from incident_hub.domain.risk import HIGH, is_at_least, rank
from incident_hub.domain.translatable import N_, Coded, Text
from incident_hub.domain.units import CYBER, PHYSICAL_SECURITY, UnitRegistry
from incident_hub.errors import Conflict, Forbidden, RuleViolation

JOINT_RULES = frozenset({"R2", "R3"})
AUTO_JOINT_RULES = frozenset({"R3"})
CYBER_DOMAIN = "cyber"
DOMAINS = (CYBER_DOMAIN, "physical")
MEASURE_KINDS = PHASES  # a measure tracked as an action becomes an action of that phase
DRAFT, SIGNED = "draft", "signed"
STATUSES = (DRAFT, SIGNED)


def is_joint(rule: str | None) -> bool:
    return rule in JOINT_RULES


def needs_auto_joint(rule: str | None) -> bool:
    """R3 (a hybrid cyber-attack, footnote 1) requires a joint assessment, created automatically."""
    return rule in AUTO_JOINT_RULES


def required_signers(joint: bool, incident_lead: str | None, units: UnitRegistry) -> frozenset[str]:
    """The units whose sign-off completes the assessment; empty means "any one unit"."""
    if joint:
        return frozenset({units.lead_for(CYBER).code, units.lead_for(PHYSICAL_SECURITY).code})
    return frozenset({incident_lead}) if incident_lead else frozenset()


def is_signed(required: frozenset[str], signed_units: Iterable[str]) -> bool:
    signed = set(signed_units)
    return required <= signed if required else bool(signed)


def status_for(required: frozenset[str], signed_units: Iterable[str]) -> str:
    return SIGNED if is_signed(required, signed_units) else DRAFT


# What a refused sign-off says, by the record signed (an assessment here, a review in domain/reviews.py).
NOT_ASKED = {
    "assessment": N_("Unit %(unit)s is not asked to sign this assessment (signers: %(signers)s)."),
    "review": N_("Unit %(unit)s is not asked to sign this review (signers: %(signers)s)."),
}
SIGNED_ALREADY = {
    "assessment": N_("Unit %(unit)s has already signed this version."),
    "review": N_("Unit %(unit)s has already signed this review."),
}


def check_unit_signoff(
    p: Principal, required: frozenset[str], signed_units: Iterable[str], what: str = "assessment"
) -> str:
    """The unit `p` signs for; refused when it has none, is not asked to sign, or signed already.
    Shared by every jointly signed record (assessments here, post-incident reviews in domain/reviews.py)."""
    if not p.unit:
        raise Forbidden(
            Text(N_("A sign-off is given for a unit, and your account belongs to none.")), {"rule": "signoff"}
        )
    if required and p.unit not in required:
        raise RuleViolation(
            Text(NOT_ASKED[what], unit=p.unit, signers=", ".join(sorted(required))),
            {"rule": "signoff", "unit": p.unit, "required_units": sorted(required)},
        )
    if p.unit in set(signed_units):
        raise Conflict(Text(SIGNED_ALREADY[what], unit=p.unit), {"unit": p.unit})
    return p.unit


def check_may_sign(
    p: Principal, required: frozenset[str], signed_units: Iterable[str], threat_count: int, residual: str | None
) -> str:
    """The unit `p` signs an assessment for (check_unit_signoff), with the assessment's own conditions."""
    unit = check_unit_signoff(p, required, signed_units)
    if threat_count == 0:
        raise RuleViolation(
            Text(N_("An assessment with no threats cannot be signed.")), {"rule": "signoff", "threats": 0}
        )
    if residual is not None and is_at_least(residual, HIGH) and not p.is_manager:
        raise RuleViolation(
            Text(
                N_("Accepting a residual risk of %(level)s needs a manager's sign-off (STANDARDS.md §1)."),
                level=Coded("risk_level", [residual]),
            ),
            {"rule": "residual_acceptance", "residual_risk_level": residual},
        )
    return unit


def may_author_cyber(p: Principal, units: UnitRegistry) -> bool:
    """M1: only a unit holding `cyber` (or a unit-less manager or admin) writes a `cyber` threat."""
    return not p.unit or may_hold(units, p.unit, [CYBER])


def check_threat_author(p: Principal, domains: Iterable[str], title: str, units: UnitRegistry) -> None:
    """M1: a unit without `cyber` cannot add, edit or delete a `cyber` threat or its measures."""
    if CYBER_DOMAIN in set(domains) and not may_author_cyber(p, units):
        ensure_mandates(
            units, p.unit or "", [CYBER], Text(N_("assessing the cyber threat %(title)s"), title=repr(title))
        )


def threat_domains_for(p: Principal, units: UnitRegistry) -> tuple[str, ...]:
    """The domains `p` may write threats in: `physical` only for a unit without `cyber` (M1)."""
    return DOMAINS if may_author_cyber(p, units) else tuple(d for d in DOMAINS if d != CYBER_DOMAIN)


def measure_mandate(threat_domain: str) -> str | None:
    """The mandate the owner of a measure must hold (M1): `cyber` for a cyber threat's measure."""
    return CYBER if threat_domain == CYBER_DOMAIN else None


def measure_owner_units(threat_domain: str, units: UnitRegistry) -> list[str]:
    """The units that may own a measure against a threat of `threat_domain` (M1)."""
    mandate = measure_mandate(threat_domain)
    return [code for code in units.codes() if may_hold(units, code, [mandate] if mandate else [])]


def check_measure_owner(owner_unit: str, threat_domain: str, units: UnitRegistry) -> None:
    mandate = measure_mandate(threat_domain)
    ensure_mandates(
        units, owner_unit, [mandate] if mandate else [], Text(N_("owning a measure against a cyber threat"))
    )


def check_mutable(frozen_at: datetime | None, number: int) -> None:
    if frozen_at is not None:
        raise Conflict(
            Text(
                N_("Version %(n)s of this assessment is frozen and cannot change; change the current version."),
                n=number,
            ),
            {"rule": "frozen_version", "version": number},
        )


def is_review_due(review_due_at: datetime | None, now: datetime) -> bool:
    return review_due_at is not None and review_due_at <= now


def sees_threat_details(p: Principal, domain: str, units: UnitRegistry) -> bool:
    """Para 6 need to know: DSS officers see a cyber threat's title, domain and risk level only."""
    return domain != CYBER_DOMAIN or is_cyber_cleared(p, units)


def threat_residual(inherent: str, measure_residuals: Iterable[str | None]) -> str:
    estimated = [r for r in measure_residuals if r is not None]
    return min(estimated, key=rank) if estimated else inherent


def assessment_residual(threat_residuals: Iterable[str]) -> str | None:
    levels = list(threat_residuals)
    return max(levels, key=rank) if levels else None
