"""Who an organisation account is here: the role map from provider groups to role and unit.

The map (config/oidc_roles.toml) is an ordered list of `[[map]]` entries, each a claim value (an
Entra ID group object id or app role value) with the `role` and `unit` it grants. The first entry
whose claim value the person carries wins; a person matching none is refused, never given a default
role. Each entry obeys the same rules as a local account (domain/access.py), so an entry giving
`cyber` work to a unit without that mandate (M1) stops the start, naming the line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from incident_hub.domain.access import ROLE_MANDATE, ROLES, check_role_unit
from incident_hub.domain.units import UnitRegistry
from incident_hub.errors import ValidationError

_MAP_HEADER = re.compile(r"^\s*\[\[\s*map\s*\]\]")


class RoleMapError(ValueError):
    """The role map cannot be used; the message names the file, the line and the reason."""


@dataclass(frozen=True)
class RoleMapEntry:
    claim_value: str
    role: str
    unit: str | None
    line: int


@dataclass(frozen=True)
class RoleMap:
    entries: tuple[RoleMapEntry, ...]

    def match(self, claim_values: Iterable[str]) -> RoleMapEntry | None:
        """The first entry, in file order, whose claim value the person carries."""
        carried = set(claim_values)
        return next((entry for entry in self.entries if entry.claim_value in carried), None)


def claim_values(claims: dict[str, object], claim: str) -> list[str]:
    """The values of a groups/roles claim: a list of strings, or one string; anything else is none."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _header_lines(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if _MAP_HEADER.match(line)]


def _entry(raw: object, line: int, units: UnitRegistry, where: str) -> RoleMapEntry:
    if not isinstance(raw, dict):
        raise RoleMapError(f"{where} line {line}: a [[map]] entry must be a table")
    unknown = sorted(set(raw) - {"claim_value", "role", "unit"})
    if unknown:
        raise RoleMapError(f"{where} line {line}: unknown key {unknown[0]!r} (use claim_value, role, unit)")
    claim, role, unit = raw.get("claim_value"), raw.get("role"), raw.get("unit")
    if not isinstance(claim, str) or not claim.strip():
        raise RoleMapError(f"{where} line {line}: claim_value must be a non-empty string")
    if role not in ROLES:
        raise RoleMapError(f"{where} line {line}: role {role!r} is not one of {', '.join(ROLES)}")
    if unit is not None and not isinstance(unit, str):
        raise RoleMapError(f"{where} line {line}: unit must be a unit code")
    if unit is not None and unit not in units:
        raise RoleMapError(f"{where} line {line}: unknown unit {unit!r} (units: {', '.join(units.codes())})")
    try:
        check_role_unit(str(role), unit, units)
    except ValidationError as exc:
        reason = "; ".join(msg for msgs in exc.details.get("fields", {}).values() for msg in msgs)
        rule = " (M1)" if role in ROLE_MANDATE else ""
        raise RoleMapError(f"{where} line {line}: {role} in unit {unit!r} refused{rule}: {reason}") from exc
    return RoleMapEntry(claim.strip(), str(role), unit, line)


def parse_role_map(text: str, units: UnitRegistry, where: str = "role map") -> RoleMap:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoleMapError(f"{where} is not valid TOML: {exc}") from exc
    raw_entries = data.get("map", [])
    if not isinstance(raw_entries, list) or not raw_entries:
        raise RoleMapError(f"{where}: no [[map]] entry; every sign-in would be refused")
    lines = _header_lines(text)
    if len(lines) != len(raw_entries):  # entries written as an inline array: no header lines to name
        lines = [0] * len(raw_entries)
    entries = [_entry(raw, line, units, where) for raw, line in zip(raw_entries, lines, strict=True)]
    _refuse_duplicates(entries, where)
    return RoleMap(tuple(entries))


def _refuse_duplicates(entries: Sequence[RoleMapEntry], where: str) -> None:
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.claim_value in seen:
            raise RoleMapError(
                f"{where} line {entry.line}: claim_value {entry.claim_value!r} already mapped at line "
                f"{seen[entry.claim_value]} (the first match wins, so this entry could never apply)"
            )
        seen[entry.claim_value] = entry.line
