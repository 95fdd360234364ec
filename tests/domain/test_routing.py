"""Routing R1-R5 and the mandate guard M1 (DOMAIN.md "Routing rules"; A/77/88/Add.1 paras 15-16,
footnote 1): one row per rule, then properties over every combination of facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.classification import classify, required_mandates
from incident_hub.domain.facts import EFFECTS, VECTORS, IncidentFacts
from incident_hub.domain.mandates import ensure_mandates, may_hold
from incident_hub.domain.routing import joint_assessment_due, override_lead, route
from incident_hub.domain.units import CYBER, DEFAULT_UNITS, PHYSICAL_SECURITY, Unit, UnitRegistry
from incident_hub.errors import MandateViolation, UnknownUnit

OICT = Unit("OICT", "OICT", frozenset({CYBER}))
DSS = Unit("DSS", "DSS", frozenset({PHYSICAL_SECURITY}))
BOTH = Unit("CSOC", "Converged security operations", frozenset({CYBER, PHYSICAL_SECURITY}))
REGISTRIES = {
    "default": DEFAULT_UNITS,
    "reversed": UnitRegistry([DSS, OICT]),
    "third unit after": UnitRegistry([OICT, DSS, BOTH]),
    "third unit first": UnitRegistry([BOTH, DSS, OICT]),
    "third unit between": UnitRegistry([DSS, BOTH, OICT]),
}


def decide(vectors, effects=(), deliberate=None, units=DEFAULT_UNITS):
    return route(classify(IncidentFacts.of(list(vectors), list(effects), deliberate)), units)


# id, paragraph, facts, lead, partners, informed
RULE_TABLE = [
    ("R1", "para 16", (["digital"], ["service_outage"], True), "OICT", (), ()),
    ("R2", "paras 15-16", (["digital"], ["personnel_harm_risk"], True), "OICT", ("DSS",), ()),
    (
        "R3",
        "para 16; footnote 1",
        (["digital"], ["programme_disruption", "premises_security_gap"], True),
        "OICT",
        ("DSS",),
        (),
    ),
    ("R4", "para 16", (["physical"], ["premises_security_gap"], None), "DSS", (), ("OICT",)),
    ("R5", "para 16", ([], [], None), "OICT", (), ()),
]


@pytest.mark.parametrize(("rule", "paragraph", "facts", "lead", "partners", "informed"), RULE_TABLE)
def test_rule_table(rule, paragraph, facts, lead, partners, informed):
    r = decide(*facts)
    assert (r.rule, r.lead_unit, r.partner_units, r.informed_units) == (rule, lead, partners, informed)
    assert r.basis == f"A/77/88/Add.1 {paragraph}"
    assert r.explanation.endswith(".") and lead in r.explanation and "\n" not in r.explanation
    assert r.joint_assessment_required is (rule == "R3")
    assert r.to_dict()["rule"] == rule


def test_m1_refuses_cyber_work_to_a_unit_without_cyber():
    """M1, paras 15-16: the refusal names the rule, the unit and the missing mandate."""
    with pytest.raises(MandateViolation) as raised:
        ensure_mandates(DEFAULT_UNITS, "DSS", ["cyber"], "leading this incident")
    error = raised.value
    assert (error.status, error.code) == (422, "mandate_violation")
    assert error.details == {
        "rule": "M1",
        "unit": "DSS",
        "missing_mandates": ["cyber"],
        "work": "leading this incident",
    }
    assert "M1" in error.message and "DSS" in error.message and "cyber" in error.message
    ensure_mandates(DEFAULT_UNITS, "OICT", ["cyber"], "leading this incident")  # no error
    with pytest.raises(UnknownUnit):
        ensure_mandates(DEFAULT_UNITS, "NOPE", ["cyber"], "x")


def test_m1_guards_the_manual_override():
    r = decide(["digital"], ["personnel_harm_risk"], True)
    needed = required_mandates(classify(IncidentFacts.of(["digital"], ["personnel_harm_risk"], True)))
    with pytest.raises(MandateViolation):
        override_lead(r, "DSS", needed, DEFAULT_UNITS)
    units = REGISTRIES["third unit after"]
    moved = override_lead(decide(["digital"], ["personnel_harm_risk"], True, units), "CSOC", needed, units)
    assert moved.lead_unit == "CSOC" and "OICT" in moved.partner_units and moved.rule == "R2"
    assert "manually" in moved.explanation


def test_override_to_a_physical_incident_needs_physical_security():
    r = decide(["physical"], ["premises_security_gap"])
    with pytest.raises(MandateViolation) as raised:
        override_lead(r, "OICT", frozenset({PHYSICAL_SECURITY}), DEFAULT_UNITS)
    assert raised.value.details["missing_mandates"] == ["physical_security"]


def test_joint_assessment_clock_starts_for_r3_only():
    now = datetime(2026, 11, 20, 8, tzinfo=UTC)
    assert joint_assessment_due(
        decide(["digital"], ["programme_disruption", "premises_security_gap"], True), now, 72
    ) == now + timedelta(hours=72)
    assert joint_assessment_due(decide(["digital"], ["personnel_harm_risk"], True), now, 72) is None


def test_a_single_unit_holding_both_mandates_leads_alone():
    solo = UnitRegistry([BOTH])
    r = decide(["digital"], ["programme_disruption", "premises_security_gap"], True, solo)
    assert (r.rule, r.lead_unit, r.partner_units) == ("R3", "CSOC", ())
    assert decide(["physical"], ["personnel_harm_risk"], units=solo).informed_units == ()


all_facts = st.builds(
    IncidentFacts.of,
    st.lists(st.sampled_from(VECTORS), unique=True),
    st.lists(st.sampled_from(EFFECTS), unique=True),
    st.sampled_from([True, False, None]),
)
registries = st.sampled_from(list(REGISTRIES.values()))


@given(all_facts, registries)
def test_a_cyber_component_means_the_cyber_unit_leads(facts, units):
    c = classify(facts)
    r = route(c, units)
    if c.cyber_component or not facts.vectors:
        assert r.lead_unit == units.lead_for(CYBER).code
        assert units.get(r.lead_unit).holds(CYBER)


@given(all_facts, registries)
def test_routing_never_gives_cyber_work_to_a_unit_without_cyber(facts, units):
    c = classify(facts)
    r = route(c, units)
    assert may_hold(units, r.lead_unit, required_mandates(c))
    if c.cyber_component:
        assert units.get(r.lead_unit).holds(CYBER)


@given(all_facts, registries, st.sampled_from(["OICT", "DSS", "CSOC"]))
def test_an_override_never_gives_cyber_work_to_a_unit_without_cyber(facts, units, target):
    c = classify(facts)
    if target not in units:
        return
    try:
        r = override_lead(route(c, units), target, required_mandates(c), units)
    except MandateViolation as refused:
        assert refused.details["rule"] == "M1"
        return
    if c.cyber_component:
        assert units.get(r.lead_unit).holds(CYBER)


@given(all_facts, registries)
def test_every_hybrid_incident_gets_r3(facts, units):
    c = classify(facts)
    if c.hybrid is True:
        r = route(c, units)
        assert r.rule == "R3" and r.joint_assessment_required


@given(all_facts, registries)
def test_no_cyber_component_and_a_physical_effect_gets_r4(facts, units):
    c = classify(facts)
    if facts.vectors and not c.cyber_component and c.physical_security_effect:
        r = route(c, units)
        assert r.rule == "R4"
        assert units.get(r.lead_unit).holds(PHYSICAL_SECURITY)
