"""Classification (DOMAIN.md "Classifying an incident"; A/77/88/Add.1 footnote 1)."""

from __future__ import annotations

import pytest

from incident_hub.domain.classification import MET, NOT_MET, UNKNOWN, classify, required_mandates
from incident_hub.domain.facts import IncidentFacts

HYBRID_EFFECTS = ["programme_disruption", "premises_security_gap"]


def facts(vectors=(), effects=(), deliberate=None):
    return IncidentFacts.of(list(vectors), list(effects), deliberate)


@pytest.mark.parametrize(
    ("vectors", "cyber"),
    [(["digital"], True), (["physical_on_it"], True), (["physical"], False), (["physical", "digital"], True)],
)
def test_cyber_component_is_digital_or_physical_on_it(vectors, cyber):
    assert classify(facts(vectors)).cyber_component is cyber


@pytest.mark.parametrize(
    ("vectors", "effects", "physical"),
    [
        (["digital"], ["premises_security_gap"], True),
        (["digital"], ["personnel_harm_risk"], True),
        (["physical"], [], True),
        (["digital"], ["programme_disruption", "data_compromise", "service_outage"], False),
    ],
)
def test_physical_security_effect(vectors, effects, physical):
    assert classify(facts(vectors, effects)).physical_security_effect is physical


@pytest.mark.parametrize(
    ("vectors", "effects", "deliberate", "criteria", "hybrid"),
    [
        # all four met: hybrid (footnote 1)
        (["digital"], HYBRID_EFFECTS, True, {"cyber_component": MET, "deliberate": MET}, True),
        (["physical_on_it"], ["programme_disruption", "personnel_harm_risk"], True, {}, True),
        # one not met: not hybrid, whatever else is unknown
        (["digital"], HYBRID_EFFECTS, False, {"deliberate": NOT_MET}, False),
        (["physical"], HYBRID_EFFECTS, True, {"cyber_component": NOT_MET}, False),
        (["digital"], ["premises_security_gap"], True, {"programme_disruption": NOT_MET}, False),
        (["digital"], ["programme_disruption"], True, {"physical_security_effect": NOT_MET}, False),
        (["physical"], [], None, {"deliberate": UNKNOWN, "cyber_component": NOT_MET}, False),
        # none not met, one unknown: null
        (["digital"], HYBRID_EFFECTS, None, {"deliberate": UNKNOWN}, None),
        # a raw alert (no vector yet): absent facts are unknown, present ones met
        ([], [], True, {"cyber_component": UNKNOWN, "programme_disruption": UNKNOWN}, None),
        ([], HYBRID_EFFECTS, True, {"programme_disruption": MET, "physical_security_effect": MET}, None),
    ],
)
def test_hybrid_criteria_and_hybrid(vectors, effects, deliberate, criteria, hybrid):
    c = classify(facts(vectors, effects, deliberate))
    for name, state in criteria.items():
        assert c.hybrid_criteria[name] == state, name
    assert c.hybrid is hybrid
    assert set(c.hybrid_criteria) == {
        "cyber_component",
        "deliberate",
        "programme_disruption",
        "physical_security_effect",
    }
    assert c.to_dict()["hybrid"] is hybrid


@pytest.mark.parametrize(
    ("vectors", "effects", "needed"),
    [
        (["digital"], [], {"cyber"}),
        (["digital"], ["personnel_harm_risk"], {"cyber"}),
        (["physical"], ["premises_security_gap"], {"physical_security"}),
        ([], [], {"cyber"}),  # not yet known: only a cyber unit may triage it
    ],
)
def test_required_mandates_of_the_lead(vectors, effects, needed):
    assert required_mandates(classify(facts(vectors, effects))) == needed
