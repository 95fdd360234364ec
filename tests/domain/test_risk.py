"""The SRM matrix (STANDARDS.md §1): all 25 cells, the named test points, overrides, monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.risk import (
    DEFAULT_MATRIX,
    LABELS,
    LEVELS,
    UNACCEPTABLE,
    RiskMatrix,
    rank,
    risk_level,
)
from incident_hub.errors import ValidationError

# STANDARDS.md §1, copied as printed there: rows likelihood 5 → 1, columns impact 1 → 5.
STANDARDS_TABLE = """
5 | Very Low | Low | Medium | High | Very High
4 | Very Low | Low | Medium | High | Very High
3 | Very Low | Low | Medium | Medium | High
2 | Very Low | Low | Low | Low | Medium
1 | Very Low | Very Low | Very Low | Low | Low
"""
CODE_OF_LABEL = {label: code for code, label in LABELS.items()}


def _cells() -> list[tuple[int, int, str]]:
    cells = []
    for line in STANDARDS_TABLE.strip().splitlines():
        likelihood, *labels = (part.strip() for part in line.split("|"))
        for impact, label in enumerate(labels, start=1):
            cells.append((int(likelihood), impact, label))
    return cells


CELLS = _cells()


def test_the_standard_table_has_25_cells():
    assert len(CELLS) == 25 and len({(lk, im) for lk, im, _ in CELLS}) == 25


@pytest.mark.parametrize(("likelihood", "impact", "label"), CELLS)
def test_every_cell_matches_standards(likelihood, impact, label):
    assert risk_level(likelihood, impact) == CODE_OF_LABEL[label]
    assert LABELS[risk_level(likelihood, impact)] == label


@pytest.mark.parametrize(
    ("likelihood", "impact", "label"),
    [(1, 1, "Very Low"), (1, 5, "Low"), (2, 5, "Medium"), (3, 5, "High"), (4, 4, "High"), (5, 5, "Very High")],
)
def test_the_test_points_named_in_standards(likelihood, impact, label):
    assert LABELS[risk_level(likelihood, impact)] == label


def test_default_never_says_unacceptable():
    assert UNACCEPTABLE not in DEFAULT_MATRIX.cells.values()


scale = st.integers(min_value=1, max_value=5)


@given(scale, scale, scale, scale)
def test_risk_never_falls_as_likelihood_or_impact_rises(l1, i1, l2, i2):
    lo_l, hi_l = sorted((l1, l2))
    lo_i, hi_i = sorted((i1, i2))
    assert rank(risk_level(lo_l, lo_i)) <= rank(risk_level(hi_l, hi_i))


@given(st.lists(st.tuples(scale, scale, st.sampled_from(LEVELS)), max_size=6), scale, scale)
def test_any_accepted_override_table_keeps_risk_monotone(overrides, likelihood, impact):
    try:
        matrix = DEFAULT_MATRIX.with_overrides(overrides)
    except ValidationError as exc:
        assert "fields" in exc.details
        return
    assert matrix.first_decrease() is None
    for up in ((likelihood + 1, impact), (likelihood, impact + 1)):
        if max(up) <= 5:
            assert rank(matrix.level(*up)) >= rank(matrix.level(likelihood, impact))


def test_unacceptable_is_an_override_of_a_cell():
    matrix = DEFAULT_MATRIX.with_overrides([(5, 5, UNACCEPTABLE)])
    assert matrix.level(5, 5) == UNACCEPTABLE
    assert matrix.level(5, 4) == "high"
    assert DEFAULT_MATRIX.level(5, 5) == "very_high"  # the default is untouched


@pytest.mark.parametrize(
    ("override", "field"),
    [((6, 1, "low"), "cells.6x1"), ((1, 0, "low"), "cells.1x0"), ((2, 2, "extreme"), "cells.2x2")],
)
def test_bad_overrides_are_refused_naming_the_cell(override, field):
    with pytest.raises(ValidationError) as caught:
        DEFAULT_MATRIX.with_overrides([override])
    assert field in caught.value.details["fields"]


def test_an_override_that_lets_risk_fall_is_refused():
    with pytest.raises(ValidationError) as caught:
        DEFAULT_MATRIX.with_overrides([(3, 3, "very_high")])  # 3x4 is medium: risk would fall
    assert caught.value.details["fields"]


@pytest.mark.parametrize(
    ("likelihood", "impact", "fields"), [(0, 3, {"likelihood"}), (3, 6, {"impact"}), (9, 9, {"likelihood", "impact"})]
)
def test_off_the_scale_names_the_fields(likelihood, impact, fields):
    with pytest.raises(ValidationError) as caught:
        risk_level(likelihood, impact)
    assert set(caught.value.details["fields"]) == fields


def test_rows_are_drawn_as_in_standards():
    rows = RiskMatrix(DEFAULT_MATRIX.cells).rows()
    assert [lk for lk, _ in rows] == [5, 4, 3, 2, 1]
    assert rows[0][1] == ["very_low", "low", "medium", "high", "very_high"]
