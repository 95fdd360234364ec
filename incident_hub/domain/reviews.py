"""Rules of the post-incident review (DOMAIN.md "Learning"; NIST SP 800-61 Rev. 3; A/77/88/Add.1
para 16: "prevention and mitigation recommendations implemented and tracked").

Decisions recorded here [P]:
- One review per incident. It is joint when the incident's rule is R2 or R3 (as a joint
  assessment, domain/assessments.py): it needs the sign-off of both lead units — the unit leading
  `cyber` and the unit leading `physical_security`. A non-joint review needs its lead unit's.
- A review is signed by a *manager* of the unit (a manager account carrying that unit); the unit
  rules (has a unit, is asked to sign, has not signed yet) are domain/assessments.py's
  `check_unit_signoff`, not a copy.
- Any change to the content after a sign-off voids every sign-off (the signatories approved a text).
- The review is written by the units that work the incident: its lead and partner units, and
  managers and admins. Informed units read it.
- Each finding can become one prevention action (phase `prevention`); its mandate defaults to
  `cyber` when the incident has a cyber component (the cautious reading of M1), else
  `physical_security`.
- Required before closing for the severities in REVIEW_REQUIRED_SEVERITIES (default high,
  critical): "required review missing" means not signed by every required unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from incident_hub.domain.access import MANAGER, Principal
from incident_hub.domain.assessments import check_unit_signoff, is_joint, required_signers, status_for
from incident_hub.domain.translatable import N_, Text
from incident_hub.domain.units import CYBER, PHYSICAL_SECURITY, UnitRegistry
from incident_hub.errors import Forbidden, RuleViolation

NOT_STARTED, DRAFT, SIGNED = "not_started", "draft", "signed"
DEFAULT_REQUIRED_SEVERITIES = frozenset({"high", "critical"})
CONTENT_FIELDS = ("summary", "key_moments", "went_well", "went_badly", "root_cause")
MAX_FINDINGS = 100
MAX_KEY_MOMENTS = 200
# Timeline event kinds that make a key moment, with the words a reader sees.
KEY_EVENT_KINDS = {"created": "Incident recorded", "routed": "Routed", "rerouted": "Routing changed"}
KEY_STAMPS = (
    ("occurred_at", "Incident occurred"),
    ("acknowledged_at", "Acknowledged"),
    ("contained_at", "Contained"),
    ("resolved_at", "Resolved"),
)


def review_is_joint(rule: str | None) -> bool:
    return is_joint(rule)


def review_signers(rule: str | None, lead_unit: str, units: UnitRegistry) -> frozenset[str]:
    return required_signers(review_is_joint(rule), lead_unit, units)


def review_status(exists: bool, required: frozenset[str], signed_units: Iterable[str]) -> str:
    return status_for(required, signed_units) if exists else NOT_STARTED


def check_may_sign_review(
    p: Principal, required: frozenset[str], signed_units: Iterable[str], has_summary: bool
) -> str:
    """The unit a manager signs the review for (the unit rules are the assessments' own)."""
    if p.role != MANAGER:
        raise Forbidden(Text(N_("A post-incident review is signed by a manager of a lead unit.")), {"rule": "signoff"})
    unit = check_unit_signoff(p, required, signed_units, "review")
    if not has_summary:
        raise RuleViolation(
            Text(N_("A review without a summary cannot be signed.")), {"rule": "signoff", "summary": "empty"}
        )
    return unit


def may_write_review(p: Principal, lead_unit: str, partner_units: Iterable[str]) -> bool:
    return p.is_manager or (p.unit is not None and (p.unit == lead_unit or p.unit in set(partner_units)))


def check_may_write_review(p: Principal, lead_unit: str, partner_units: Iterable[str]) -> None:
    if not may_write_review(p, lead_unit, partner_units):
        raise Forbidden(
            Text(N_("The review is written by the lead and partner units and managers.")),
            {"rule": "review_author", "lead_unit": lead_unit, "partner_units": sorted(partner_units)},
        )


def is_review_required(severity: str, required_severities: Iterable[str]) -> bool:
    return severity in set(required_severities)


def finding_mandate(cyber_component: bool) -> str:
    return CYBER if cyber_component else PHYSICAL_SECURITY


@dataclass(frozen=True)
class KeyMoment:
    at: datetime
    what: str


def prefill_key_moments(
    stamps: dict[str, datetime | None], events: Iterable[tuple[datetime, str, str]]
) -> list[KeyMoment]:
    """Key moments from the incident's own record: its stamps (detection, acknowledge, contain,
    resolve) and its routing events (kind, body), oldest first; editable afterwards."""
    moments = [KeyMoment(at, label) for name, label in KEY_STAMPS if (at := stamps.get(name)) is not None]
    for at, kind, body in events:
        if kind in KEY_EVENT_KINDS:
            moments.append(KeyMoment(at, f"{KEY_EVENT_KINDS[kind]}: {body}" if kind != "created" else body))
    return sorted(moments, key=lambda m: m.at)
