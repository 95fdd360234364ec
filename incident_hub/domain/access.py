"""Roles and need to know (DOMAIN.md "Need to know"; A/77/88/Add.1 para 6).

A principal is "cyber-cleared" when a manager or admin, or when its unit holds the
`cyber` mandate: it sees every incident and the detection fields. Others (DSS
officers) see only incidents their unit takes part in, without detection details.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from incident_hub.domain.translatable import N_, Coded, Text
from incident_hub.domain.units import CYBER, PHYSICAL_SECURITY, UnitRegistry
from incident_hub.errors import Forbidden, RuleViolation, ValidationError

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
    errors: dict[str, list[str | Text]] = {}
    if role not in ROLES:
        errors["role"] = [Text(N_("must be one of %(codes)s"), codes=", ".join(ROLES))]
    elif unit is not None and unit not in units:
        errors["unit"] = [Text(N_("unknown unit %(unit)s"), unit=repr(unit))]
    elif role in ROLE_MANDATE:
        mandate = ROLE_MANDATE[role]
        if unit is None or not units.get(unit).holds(mandate):  # type: ignore[union-attr]
            errors["unit"] = [
                Text(
                    N_("a %(role)s belongs to a unit holding the '%(mandate)s' mandate"),
                    role=Coded("role", [role]),
                    mandate=Coded("mandate", [mandate]),
                )
            ]
    elif role == ADMIN and unit is not None:
        errors["unit"] = [Text(N_("an admin belongs to no unit"))]
    if errors:
        raise ValidationError.for_fields(errors)


# --- Who may see and change what: the one place these rules live (API, pages and boards call them). ---


def taking_part(lead: str | None, partners: Iterable[str] = (), informed: Iterable[str] = ()) -> frozenset[str]:
    """The units that take part in an incident: its lead, partners and informed units."""
    return frozenset(u for u in (lead, *partners, *informed) if u)


def may_see_incident(p: Principal, incident_units: Collection[str], units: UnitRegistry) -> bool:
    """The cyber-cleared see every incident; others only those their unit takes part in."""
    return is_cyber_cleared(p, units) or (p.unit is not None and p.unit in incident_units)


def may_see_assessment(p: Principal, incident_units: Collection[str] | None, units: UnitRegistry) -> bool:
    """An assessment of an incident is seen by who may see the incident; a subject-only one
    (prevention work on premises or an asset, `incident_units` None) by every signed-in person."""
    return incident_units is None or may_see_incident(p, incident_units, units)


def may_see_action(
    p: Principal,
    units: UnitRegistry,
    owner_unit: str,
    incident_units: Collection[str] | None,
    assessment_seen: bool | None = None,
) -> bool:
    """An action is seen by exactly those who may see its incident (`incident_units`, None when it
    has none), else its assessment (`assessment_seen`, None when it has none); an action with
    neither by the cyber-cleared and its owner unit."""
    if incident_units is not None:
        return may_see_incident(p, incident_units, units)
    if assessment_seen is not None:
        return assessment_seen
    return is_cyber_cleared(p, units) or p.unit == owner_unit


def may_comment_action(
    p: Principal,
    units: UnitRegistry,
    owner_unit: str,
    incident_units: Collection[str] | None,
    assessment_seen: bool | None = None,
) -> bool:
    """Anyone who may see an action may comment on it (DOMAIN.md "Who does the work")."""
    return may_see_action(p, units, owner_unit, incident_units, assessment_seen)


def may_work_action(p: Principal, owner_unit: str) -> bool:
    """An action is worked (transitions, evidence, assignee, due date, owner) only by members of
    its owner unit and by managers: the units work together without merging (para 15)."""
    return p.is_manager or (p.unit is not None and p.unit == owner_unit)


def check_may_work_action(p: Principal, owner_unit: str) -> None:
    if not may_work_action(p, owner_unit):
        raise Forbidden(
            Text(N_("Only members of the owner unit %(unit)s or a manager may work this action."), unit=owner_unit),
            {"owner_unit": owner_unit},
        )


def may_manage_playbooks(p: Principal, lead_unit: str) -> bool:
    """Apply a playbook by hand or detach one: the incident's lead unit and managers (issue 12)."""
    return p.is_manager or p.unit == lead_unit


def may_change_incident(p: Principal, lead_unit: str, units: UnitRegistry) -> bool:
    """Managers, the lead unit and the cyber-cleared (OICT leads the response, para 16)."""
    return p.is_manager or p.unit == lead_unit or is_cyber_cleared(p, units)


def check_may_change_incident(p: Principal, lead_unit: str, units: UnitRegistry) -> None:
    if not may_change_incident(p, lead_unit, units):
        raise Forbidden(Text(N_("Only the lead unit or a manager may change this incident.")), {"lead_unit": lead_unit})


def check_work_takes_part(owner_unit: str, incident_id: int, incident_units: Collection[str], work: str | Text) -> None:
    """Work on an incident is given only to a unit that takes part in it (lead, partner or
    informed), so nobody is handed work on an incident they may not see. Checked with M1."""
    if owner_unit not in incident_units:
        raise RuleViolation(
            Text(
                N_(
                    "Unit %(unit)s takes no part in incident %(id)s: %(work)s is given only to its "
                    "lead, partner or informed units (%(units)s)."
                ),
                unit=owner_unit,
                id=incident_id,
                work=work,
                units=", ".join(sorted(incident_units)),
            ),
            {
                "rule": "need_to_know",
                "unit": owner_unit,
                "incident_id": incident_id,
                "fields": {
                    "owner_unit": [
                        Text(N_("unit %(unit)s takes no part in incident %(id)s"), unit=owner_unit, id=incident_id)
                    ]
                },
            },
        )
