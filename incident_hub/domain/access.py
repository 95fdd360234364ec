"""Roles and need to know (DOMAIN.md "Need to know"; A/77/88/Add.1 para 6).

A principal is "cyber-cleared" when a manager or admin, or when its unit holds the
`cyber` mandate: it sees every incident and the detection fields. Others (DSS
officers) see only incidents their unit takes part in, without detection details.
"""

from __future__ import annotations

from dataclasses import dataclass

from incident_hub.domain.units import CYBER, PHYSICAL_SECURITY, UnitRegistry
from incident_hub.errors import ValidationError

OICT_RESPONDER, DSS_OFFICER, MANAGER, ADMIN = "oict_responder", "dss_officer", "manager", "admin"
ROLES = (OICT_RESPONDER, DSS_OFFICER, MANAGER, ADMIN)
# The mandate a role's unit must hold.
ROLE_MANDATE = {OICT_RESPONDER: CYBER, DSS_OFFICER: PHYSICAL_SECURITY}


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str
    unit: str | None

    @property
    def is_manager(self) -> bool:
        return self.role in (MANAGER, ADMIN)


def is_cyber_cleared(p: Principal, units: UnitRegistry) -> bool:
    if p.is_manager:
        return True
    unit = units.get(p.unit) if p.unit else None
    return unit is not None and unit.holds(CYBER)


def sees_detection(p: Principal, units: UnitRegistry) -> bool:
    return is_cyber_cleared(p, units)


def sees_all_incidents(p: Principal, units: UnitRegistry) -> bool:
    return is_cyber_cleared(p, units)


def check_role_unit(role: str, unit: str | None, units: UnitRegistry) -> None:
    """A responder or officer belongs to a unit holding its role's mandate; an admin to none."""
    errors: dict[str, list[str]] = {}
    if role not in ROLES:
        errors["role"] = [f"must be one of {', '.join(ROLES)}"]
    elif unit is not None and unit not in units:
        errors["unit"] = [f"unknown unit {unit!r}"]
    elif role in ROLE_MANDATE:
        mandate = ROLE_MANDATE[role]
        if unit is None or not units.get(unit).holds(mandate):  # type: ignore[union-attr]
            errors["unit"] = [f"a {role} belongs to a unit holding the {mandate!r} mandate"]
    elif role == ADMIN and unit is not None:
        errors["unit"] = ["an admin belongs to no unit"]
    if errors:
        raise ValidationError.for_fields(errors)
