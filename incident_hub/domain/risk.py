"""The SRM risk matrix: likelihood 1-5 × impact 1-5 → risk level (STANDARDS.md §1, DOMAIN.md
"Joint security risk assessment").

The default cells are NIST SP 800-30 Rev.1 Table I-2 with "Moderate" renamed "Medium", as
STANDARDS.md §1 records them [P]. `DEFAULT_ROWS` below is that table, row for row, so a reader
can check it against the standard at a glance.

Representation: the API, the database and the audit trail carry the snake_case code
(`very_low`, `low`, `medium`, `high`, `very_high`, `unacceptable`), like every other enumeration
of the API; `LABELS` gives the human names ("Very Low", …) for pages and reports.

Configurable: an operator overrides single cells (config/risk_matrix.toml, see
`services/risk_config.py`). `unacceptable` exists only as such an override — NIST has no such
level — and an override table that would make risk fall as likelihood or impact rises is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from incident_hub.domain.translatable import N_, NP_
from incident_hub.errors import ValidationError

VERY_LOW, LOW, MEDIUM, HIGH, VERY_HIGH, UNACCEPTABLE = "very_low", "low", "medium", "high", "very_high", "unacceptable"
# Ordered from least to most severe: the order is what "risk never falls" compares.
LEVELS = (VERY_LOW, LOW, MEDIUM, HIGH, VERY_HIGH, UNACCEPTABLE)
LABELS = {
    VERY_LOW: NP_("risk level", "Very Low"),
    LOW: NP_("risk level", "Low"),
    MEDIUM: NP_("risk level", "Medium"),
    HIGH: NP_("risk level", "High"),
    VERY_HIGH: NP_("risk level", "Very High"),
    UNACCEPTABLE: NP_("risk level", "Unacceptable"),
}
SCALE = range(1, 6)
LIKELIHOOD_NAMES = {
    1: N_("Very Unlikely"),
    2: N_("Unlikely"),
    3: N_("Moderately Likely"),
    4: N_("Likely"),
    5: N_("Very Likely"),
}
IMPACT_NAMES = {
    1: NP_("impact", "Negligible"),
    2: NP_("impact", "Minor"),
    3: NP_("impact", "Moderate"),
    4: NP_("impact", "Severe"),
    5: NP_("impact", "Critical"),
}

# STANDARDS.md §1, rows likelihood 5 → 1, columns impact 1 → 5.
_VL, _L, _M, _H, _VH = VERY_LOW, LOW, MEDIUM, HIGH, VERY_HIGH
DEFAULT_ROWS: dict[int, tuple[str, str, str, str, str]] = {
    5: (_VL, _L, _M, _H, _VH),
    4: (_VL, _L, _M, _H, _VH),
    3: (_VL, _L, _M, _M, _H),
    2: (_VL, _L, _L, _L, _M),
    1: (_VL, _VL, _VL, _L, _L),
}

Cell = tuple[int, int]  # (likelihood, impact)


def rank(level: str) -> int:
    return LEVELS.index(level)


def is_at_least(level: str, threshold: str) -> bool:
    return rank(level) >= rank(threshold)


def _check_scale(name: str, value: int) -> list[str]:
    return [] if isinstance(value, int) and not isinstance(value, bool) and value in SCALE else [f"{name} 1-5"]


@dataclass(frozen=True)
class RiskMatrix:
    """A full 5×5 table of levels; build it with `default_matrix()` and `with_overrides()`."""

    cells: Mapping[Cell, str] = field(default_factory=dict)

    def level(self, likelihood: int, impact: int) -> str:
        """The risk level of a cell; raises ValidationError naming the field when off the scale."""
        errors: dict[str, list[str]] = {}
        for name, value in (("likelihood", likelihood), ("impact", impact)):
            if _check_scale(name, value):
                errors[name] = ["must be between 1 and 5"]
        if errors:
            raise ValidationError.for_fields(errors)
        return self.cells[(likelihood, impact)]

    def with_overrides(self, overrides: Iterable[tuple[int, int, str]]) -> RiskMatrix:
        """A copy with some cells replaced; refused (naming the cell) if off the scale, unknown or
        if the result would let risk fall as likelihood or impact rises."""
        cells = dict(self.cells)
        for likelihood, impact, level in overrides:
            where = f"cells.{likelihood}x{impact}"
            problems = _check_scale("likelihood", likelihood) + _check_scale("impact", impact)
            if problems:
                raise ValidationError.for_fields({where: [f"{', '.join(problems)} expected"]})
            if level not in LEVELS:
                raise ValidationError.for_fields({where: [f"level must be one of {', '.join(LEVELS)}"]})
            cells[(likelihood, impact)] = level
        matrix = RiskMatrix(cells)
        broken = matrix.first_decrease()
        if broken is not None:
            (l1, i1), (l2, i2) = broken
            raise ValidationError.for_fields(
                {f"cells.{l2}x{i2}": [f"risk would fall from {cells[(l1, i1)]} at {l1}x{i1} to {cells[(l2, i2)]}"]},
                "The risk matrix must never fall as likelihood or impact rises.",
            )
        return matrix

    def first_decrease(self) -> tuple[Cell, Cell] | None:
        """The first pair of neighbouring cells where a higher likelihood or impact gives lower risk."""
        for likelihood in SCALE:
            for impact in SCALE:
                here = rank(self.cells[(likelihood, impact)])
                for nxt in ((likelihood + 1, impact), (likelihood, impact + 1)):
                    if nxt in self.cells and rank(self.cells[nxt]) < here:
                        return (likelihood, impact), nxt
        return None

    def rows(self) -> list[tuple[int, list[str]]]:
        """Likelihood 5 → 1, each with impact 1 → 5: the table as STANDARDS.md draws it (for pages)."""
        return [(lk, [self.cells[(lk, im)] for im in SCALE]) for lk in reversed(SCALE)]


def default_matrix() -> RiskMatrix:
    return RiskMatrix({(lk, im): DEFAULT_ROWS[lk][im - 1] for lk in SCALE for im in SCALE})


DEFAULT_MATRIX = default_matrix()


def risk_level(likelihood: int, impact: int, matrix: RiskMatrix = DEFAULT_MATRIX) -> str:
    return matrix.level(likelihood, impact)
