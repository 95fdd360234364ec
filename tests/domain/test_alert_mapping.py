"""Mapping rules: labels → facts, so routing works on alerts (DOMAIN.md "Intake"; para 16, footnote 1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.alert_mapping import default_mapping, detection_of, map_alert
from incident_hub.domain.alert_mapping_rules import checked_mapping
from incident_hub.domain.classification import classify
from incident_hub.domain.facts import IncidentFacts
from incident_hub.errors import ValidationError

HYBRID_RULE = {
    "match": {"alertname": "AccessControlIntrusion"},
    "match_re": {"site": "nyc-.*"},
    "vectors": ["digital"],
    "effects": ["programme_disruption", "premises_security_gap"],
    "deliberate": True,
    "severity": "critical",
    "location": "New York HQ",
}


def test_a_matching_rule_gives_hybrid_facts():
    mapping = checked_mapping({"rules": [HYBRID_RULE]})
    facts = map_alert({"alertname": "AccessControlIntrusion", "site": "nyc-hq"}, mapping)
    assert facts.vectors == ["digital"] and facts.deliberate is True and facts.severity == "critical"
    assert classify(IncidentFacts.of(facts.vectors, facts.effects, facts.deliberate)).hybrid is True


def test_match_re_is_anchored_and_all_matchers_must_hold():
    mapping = checked_mapping({"rules": [HYBRID_RULE]})
    assert map_alert({"alertname": "AccessControlIntrusion", "site": "xnyc-hq"}, mapping).vectors == []
    assert map_alert({"alertname": "Other", "site": "nyc-hq"}, mapping).vectors == []


def test_label_conventions_fill_what_rules_leave_unset():
    labels = {"vectors": "digital, bogus", "effects": "service_outage", "deliberate": "false", "severity": "warning"}
    facts = map_alert({**labels, "site": "geneva"}, default_mapping())
    assert facts.vectors == ["digital"] and facts.effects == ["service_outage"]
    assert facts.deliberate is False and facts.severity == "medium" and facts.location == "geneva"


def test_too_little_in_the_labels_means_no_vector_so_r5():
    facts = map_alert({"alertname": "BadgeReaderOffline", "severity": "critical"}, default_mapping())
    assert facts.vectors == [] and facts.severity == "critical"
    assert not classify(IncidentFacts.of(facts.vectors, facts.effects, facts.deliberate)).has_facts


def test_detection_holds_rule_instance_and_indicators():
    d = detection_of({"alertname": "X", "instance": "10.0.0.1:9100", "ip": "10.0.0.1"}, {}, "fp", "am", {})
    assert d["rule"] == "X" and d["instance"] == "10.0.0.1:9100"
    assert d["indicators"] == ["instance=10.0.0.1:9100", "ip=10.0.0.1"]


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ({"rules": [{"vectors": ["cyber"]}]}, "mapping.rules.0.vectors"),
        ({"rules": [{"match_re": {"a": "("}}]}, "mapping.rules.0.match_re.a"),
        ({"rules": [{"severity": "urgent"}]}, "mapping.rules.0.severity"),
        ({"rules": [{"colour": "red"}]}, "mapping.rules.0.colour"),
        ({"rules": "all"}, "mapping.rules"),
        ({"group": "yes"}, "mapping.group"),
        ({"bogus": 1}, "mapping.bogus"),
    ],
)
def test_bad_mappings_name_the_field(mapping, field):
    with pytest.raises(ValidationError) as info:
        checked_mapping(mapping)
    assert field in info.value.details["fields"]


labels_st = st.dictionaries(
    st.sampled_from(["alertname", "site", "vectors", "effects", "severity"]), st.text(max_size=30)
)


@given(labels_st)
def test_property_any_labels_map_to_valid_facts(labels):
    facts = map_alert(labels, checked_mapping({"rules": [HYBRID_RULE]}))
    assert set(facts.vectors) <= {"digital", "physical_on_it", "physical"}
    assert facts.severity in ("low", "medium", "high", "critical")


@given(labels_st)
def test_property_a_rule_only_adds_facts(labels):
    without = map_alert(labels, default_mapping())
    with_rule = map_alert(labels, checked_mapping({"rules": [{**HYBRID_RULE, "match": {}, "match_re": {}}]}))
    assert set(without.vectors) <= set(with_rule.vectors) and set(without.effects) <= set(with_rule.effects)
