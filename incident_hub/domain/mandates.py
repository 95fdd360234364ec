"""Mandate guard M1 (A/77/88/Add.1 paras 15-16): work needing `cyber` never goes to a unit without it.

Every path that assigns work (routing, manual override, playbooks, actions,
assessments) calls `ensure_mandates`.
"""

from __future__ import annotations

from collections.abc import Iterable

from incident_hub.domain.translatable import Text
from incident_hub.domain.units import UnitRegistry
from incident_hub.errors import MandateViolation, UnknownUnit


def missing_mandates(units: UnitRegistry, unit_code: str, required: Iterable[str]) -> list[str]:
    unit = units.get(unit_code)
    if unit is None:
        raise UnknownUnit(unit_code)
    return sorted(m for m in set(required) if not unit.holds(m))


def ensure_mandates(units: UnitRegistry, unit_code: str, required: Iterable[str], work: str | Text) -> None:
    """Raise MandateViolation (rule M1) unless `unit_code` holds every mandate in `required`."""
    missing = missing_mandates(units, unit_code, required)
    if missing:
        raise MandateViolation(unit_code, missing, work)


def may_hold(units: UnitRegistry, unit_code: str, required: Iterable[str]) -> bool:
    return not missing_mandates(units, unit_code, required)
