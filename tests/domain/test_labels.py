"""The label table (domain/labels.py): every code people may see has words, one dict per kind."""

from __future__ import annotations

import pytest

from incident_hub.domain import labels
from incident_hub.domain.access import ROLES
from incident_hub.domain.facts import EFFECTS, SEVERITIES, VECTORS
from incident_hub.domain.lifecycle import ACTION_STATUSES, INCIDENT_STATUSES
from incident_hub.domain.risk import LEVELS

VOCABULARIES = [
    ("vector", VECTORS),
    ("effect", EFFECTS),
    ("severity", SEVERITIES),
    ("incident_status", INCIDENT_STATUSES),
    ("action_status", ACTION_STATUSES),
    ("role", ROLES),
    ("risk_level", LEVELS),
    ("rule", ("R1", "R2", "R3", "R4", "R5")),
    ("phase", ("prevention", "mitigation")),
]


@pytest.mark.parametrize(("kind", "codes"), VOCABULARIES, ids=[k for k, _ in VOCABULARIES])
def test_every_code_has_a_label_that_is_not_the_code(kind, codes):
    for code in codes:
        text = labels.KINDS[kind][code]  # a KeyError names the missing label
        assert text and text != code and "_" not in text


def test_examples_of_the_issue():
    assert labels.label("effect", "personnel_harm_risk") == "Risk of harm to personnel"
    assert labels.label("incident_sort", "-created_at") == "Created (newest first)"
    assert labels.labels("vector", ["digital", "physical"]) == "Digital (cyber), Physical"


def test_unknown_codes_and_empty_values_read_well():
    assert labels.label("event", "some_new_event") == "Some new event"
    assert labels.label("severity", None) == "—" and labels.labels("effect", []) == "—"
    with pytest.raises(KeyError):
        labels.label("no_such_kind", "x")


def test_every_label_is_a_plain_string_for_the_catalogues():
    for table in labels.KINDS.values():
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in table.items())
