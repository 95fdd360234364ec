"""Units and their mandates (A/77/88/Add.1 paras 15-16), as configured in config/units.toml."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

CYBER = "cyber"
PHYSICAL_SECURITY = "physical_security"
MANDATES = (CYBER, PHYSICAL_SECURITY)


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    mandates: frozenset[str]

    def holds(self, mandate: str) -> bool:
        return mandate in self.mandates


class UnitRegistry:
    """The configured units, in file order; the first unit holding a mandate leads it."""

    def __init__(self, units: Iterable[Unit]):
        self._units = {u.code: u for u in units}

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def codes(self) -> list[str]:
        return list(self._units)

    def get(self, code: str) -> Unit | None:
        return self._units.get(code)

    def lead_for(self, mandate: str) -> Unit:
        for unit in self._units.values():
            if unit.holds(mandate):
                return unit
        raise LookupError(f"no configured unit holds the {mandate!r} mandate")


DEFAULT_UNITS = UnitRegistry(
    [
        Unit("OICT", "Office of Information and Communications Technology", frozenset({CYBER})),
        Unit("DSS", "Department of Safety and Security", frozenset({PHYSICAL_SECURITY})),
    ]
)
