"""domain/explain.py: a reason for every hybrid criterion state, consistent with classify()."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.classification import classify
from incident_hub.domain.explain import CRITERIA_LABELS, criteria_rows
from incident_hub.domain.facts import EFFECTS, VECTORS, IncidentFacts


def test_hybrid_reasons():
    facts = IncidentFacts.of(["digital"], ["programme_disruption", "premises_security_gap"], True)
    rows = criteria_rows(classify(facts).hybrid_criteria, ["digital"], list(facts.effects), True)
    assert [state for _, state, _ in rows] == ["met"] * 4
    assert str(rows[0][2]) == "Vector digital reaches IT systems."
    assert str(rows[3][2]) == "The effects include premises_security_gap."


def test_unknown_reasons():
    rows = criteria_rows(classify(IncidentFacts.of([], [], None)).hybrid_criteria, [], [], None)
    assert all(state == "unknown" for _, state, _ in rows)
    assert str(rows[1][2]).startswith("Nobody has recorded")
    assert "No attack vector" in str(rows[0][2])


@given(
    st.lists(st.sampled_from(VECTORS), unique=True),
    st.lists(st.sampled_from(EFFECTS), unique=True),
    st.sampled_from([True, False, None]),
)
def test_every_criterion_has_one_reason(vectors, effects, deliberate):
    criteria = classify(IncidentFacts.of(vectors, effects, deliberate)).hybrid_criteria
    rows = criteria_rows(criteria, vectors, effects, deliberate)
    assert [label for label, _, _ in rows] == list(CRITERIA_LABELS.values())
    for _, state, text in rows:
        reason = str(text)
        assert reason.endswith(".")
        if state == "not_met":
            assert "No " in reason or "not" in reason
