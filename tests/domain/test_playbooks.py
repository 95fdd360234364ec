"""Playbook validation (each kind of problem), delays, cycles and matching: pure domain."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.facts import IncidentFacts
from incident_hub.domain.playbooks import (
    PlaybookInvalid,
    applies,
    find_cycle,
    format_delay,
    parse_delay,
    topological_order,
    validate_definition,
)
from incident_hub.domain.units import DEFAULT_UNITS
from incident_hub.services.playbooks.sync import parse_yaml

PLAYBOOK_DIR = Path(__file__).resolve().parents[2] / "playbooks"
SHIPPED = sorted(PLAYBOOK_DIR.glob("*.yaml"))


def base(**changes):
    data = {
        "key": "t",
        "name": "Test",
        "applies_to": {"vectors": ["digital"]},
        "steps": [
            {"id": "a", "title": "A", "phase": "mitigation", "owner_unit": "OICT", "mandate": "cyber", "due": "4h"},
            {"id": "b", "title": "B", "phase": "prevention", "owner_unit": "DSS", "due": "2d", "depends_on": ["a"]},
        ],
    }
    data.update(changes)
    return data


def problems(data):
    with pytest.raises(PlaybookInvalid) as info:
        validate_definition(data, "x.yaml", DEFAULT_UNITS)
    return {(p.file, p.path): p.problem for p in info.value.problems}


def with_step(index, **changes):
    data = base()
    data["steps"][index].update(changes)
    return data


def test_shipped_playbooks_are_valid_and_at_least_five():
    assert len(SHIPPED) >= 5
    for path in SHIPPED:
        p = parse_yaml(path.read_text(), path.name, DEFAULT_UNITS, path.stem)
        assert p.steps and p.key == path.stem
        for step in p.steps:  # M1: cyber steps only for OICT
            if step.mandate == "cyber":
                assert step.owner_unit == "OICT"


def test_valid_definition_round_trips_through_to_dict():
    p = validate_definition(base(), "x.yaml", DEFAULT_UNITS)
    assert validate_definition(p.to_dict(), "x.yaml", DEFAULT_UNITS) == p


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        (with_step(0, owner_unit="NOPE"), "steps[0].owner_unit", "unknown unit"),
        (with_step(1, mandate="cyber"), "steps[1].owner_unit", "rule M1"),
        (with_step(0, due="4 hours"), "steps[0].due", "bad delay"),
        (with_step(0, due="0h"), "steps[0].due", "bad delay"),
        (with_step(1, id="a", depends_on=[]), "steps[1].id", "duplicate step id"),
        (with_step(1, depends_on=["zzz"]), "steps[1].depends_on[0]", "unknown dependency"),
        (with_step(0, depends_on=["b"]), "steps", "dependency cycle"),
        (with_step(0, colour="red"), "steps[0].colour", "unknown key"),
        (base(extra=1), "extra", "unknown key"),
        (with_step(0, phase="cleanup"), "steps[0].phase", "must be one of"),
        (with_step(0, mandate="magic"), "steps[0].mandate", "unknown mandate"),
        (base(applies_to={"vectors": ["radio"]}), "applies_to.vectors[0]", "unknown value"),
        (base(applies_to={"min_severity": "huge", "hybrid": True}), "applies_to.min_severity", "must be one of"),
        (base(applies_to={"min_severity": "low"}), "applies_to", "at least one"),
        (base(steps=[]), "steps", "non-empty"),
        (with_step(0, title=None), "steps[0].title", "is required"),
    ],
)
def test_each_kind_of_problem_names_file_field_and_reason(data, path, fragment):
    found = problems(data)
    assert ("x.yaml", path) in found, found
    assert fragment in found[("x.yaml", path)]


def test_invalid_yaml_is_refused_with_a_line():
    with pytest.raises(PlaybookInvalid) as info:
        parse_yaml("name: [unclosed", "bad.yaml", DEFAULT_UNITS, "bad")
    assert info.value.problems[0].file == "bad.yaml" and "YAML" in info.value.problems[0].problem


def test_yaml_is_safe_loaded():
    with pytest.raises(PlaybookInvalid):
        parse_yaml("!!python/object/apply:os.system ['true']", "evil.yaml", DEFAULT_UNITS, "evil")


@given(st.integers(min_value=1, max_value=365), st.sampled_from(["m", "h", "d"]))
def test_delay_parse_and_format_agree(n, unit):
    delay = parse_delay(f"{n}{unit}")
    assert delay is not None and parse_delay(format_delay(delay)) == delay


def test_delay_examples():
    assert parse_delay("4h") == timedelta(hours=4) and parse_delay("2d") == timedelta(days=2)
    assert parse_delay("400d") is None and parse_delay("4") is None and parse_delay(4) is None


@given(st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=8))
def test_topological_order_respects_dependencies(parents):
    steps = []
    for i, parent in enumerate(parents):
        deps = [f"s{parent}"] if parent < i else []
        steps.append({"id": f"s{i}", "title": "t", "phase": "mitigation", "owner_unit": "OICT", "due": "1h"})
        steps[-1]["depends_on"] = deps
    p = validate_definition(base(steps=steps), "x.yaml", DEFAULT_UNITS)
    assert find_cycle(p.steps) is None
    seen: set[str] = set()
    for step in topological_order(p.steps):
        assert set(step.depends_on) <= seen
        seen.add(step.id)


HYBRID = IncidentFacts.of(["digital"], ["programme_disruption", "premises_security_gap"], True)
DDOS = IncidentFacts.of(["digital"], ["service_outage"], True)
THREAT = IncidentFacts.of(["physical"], ["personnel_harm_risk"], True)
THEFT = IncidentFacts.of(["physical_on_it"], ["premises_security_gap"], True)
RANSOM = IncidentFacts.of(["digital"], ["programme_disruption", "personnel_harm_risk", "data_compromise"], True)


def shipped(key):
    path = PLAYBOOK_DIR / f"{key}.yaml"
    return parse_yaml(path.read_text(), path.name, DEFAULT_UNITS, key)


@pytest.mark.parametrize(
    ("key", "facts", "severity", "expected"),
    [
        ("hybrid-access-control", HYBRID, "high", True),
        ("hybrid-access-control", HYBRID, "low", False),
        ("hybrid-access-control", DDOS, "high", False),
        ("ddos-public-service", DDOS, "high", True),
        ("ddos-public-service", HYBRID, "high", False),
        ("physical-threat-staff", THREAT, "low", True),
        ("physical-threat-staff", HYBRID, "high", False),
        ("datacentre-equipment-theft", THEFT, "medium", True),
        ("datacentre-equipment-theft", DDOS, "medium", False),
        ("ransomware-premises", RANSOM, "critical", True),
        ("ransomware-premises", RANSOM, "medium", False),
        ("ransomware-premises", HYBRID, "critical", False),
        ("hybrid-access-control", RANSOM, "critical", False),
    ],
)
def test_matching(key, facts, severity, expected):
    assert applies(shipped(key), facts, severity) is expected


def test_yaml_files_keep_comments_for_people():
    for path in SHIPPED:
        assert path.read_text().lstrip().startswith("#")
        assert isinstance(yaml.safe_load(path.read_text()), dict)


FACTS = st.builds(
    IncidentFacts.of,
    st.lists(st.sampled_from(["digital", "physical_on_it", "physical"]), unique=True),
    st.lists(st.sampled_from(["programme_disruption", "premises_security_gap", "personnel_harm_risk",
                              "data_compromise", "service_outage"]), unique=True),
    st.sampled_from([True, False, None]),
)  # fmt: skip


@given(FACTS, st.sampled_from(["low", "medium", "high"]))
def test_matching_is_monotonic_in_severity(facts, severity):
    from incident_hub.domain.facts import SEVERITIES

    higher = SEVERITIES[SEVERITIES.index(severity) + 1]
    for path in SHIPPED:
        p = shipped(path.stem)
        if applies(p, facts, severity):
            assert applies(p, facts, higher)


@given(FACTS)
def test_no_playbook_gives_cyber_work_to_a_physical_only_incident(facts):
    from incident_hub.domain.classification import classify

    if classify(facts).cyber_component:
        return
    for path in SHIPPED:
        p = shipped(path.stem)
        if applies(p, facts, "critical"):
            assert all(s.mandate != "cyber" for s in p.steps)
