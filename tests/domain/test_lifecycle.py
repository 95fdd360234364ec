"""Incident and action status machines (API.md "Vocabulary")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_hub.domain.lifecycle import (
    INCIDENT_STATUSES,
    INCIDENT_TRANSITIONS,
    check_action_transition,
    check_incident_transition,
    incident_stamps,
)
from incident_hub.errors import InvalidTransition

ALLOWED = {
    ("new", "acknowledged"),
    ("acknowledged", "contained"),
    ("acknowledged", "resolved"),
    ("contained", "resolved"),
    ("resolved", "closed"),
    ("resolved", "acknowledged"),
    ("closed", "acknowledged"),  # reopened by a manager with a reason (domain/closure.py)
}
PAIRS = [(a, b) for a in INCIDENT_STATUSES for b in INCIDENT_STATUSES]


def test_the_table_is_exactly_api_md():
    assert {(a, b) for a, targets in INCIDENT_TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_each_incident_transition_allowed_or_refused(current, target):
    if (current, target) in ALLOWED:
        check_incident_transition(current, target)
    else:
        with pytest.raises(InvalidTransition) as raised:
            check_incident_transition(current, target)
        assert raised.value.status == 409 and raised.value.details["from"] == current


NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)
EMPTY = dict.fromkeys(("acknowledged_at", "contained_at", "resolved_at", "closed_at"))


def test_stamps_first_time_and_reopen_clears_resolution():
    s = incident_stamps("new", "acknowledged", EMPTY, NOW)
    assert s["acknowledged_at"] == NOW
    s = incident_stamps("acknowledged", "resolved", s, NOW + timedelta(hours=1))
    assert s["resolved_at"] == NOW + timedelta(hours=1) and s["contained_at"] is None
    s = incident_stamps("resolved", "acknowledged", s, NOW + timedelta(hours=2))
    assert s["acknowledged_at"] == NOW and s["resolved_at"] is None  # first acknowledgement kept
    s = incident_stamps("acknowledged", "resolved", s, NOW + timedelta(hours=3))
    s = incident_stamps("resolved", "closed", s, NOW + timedelta(hours=4))
    assert s["resolved_at"] == NOW + timedelta(hours=3) and s["closed_at"] == NOW + timedelta(hours=4)
    s = incident_stamps("closed", "acknowledged", s, NOW + timedelta(hours=5))
    assert s["resolved_at"] is None and s["closed_at"] is None and s["acknowledged_at"] == NOW
    with pytest.raises(InvalidTransition):
        incident_stamps("closed", "resolved", s, NOW)


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        ("open", "in_progress", True),
        ("in_progress", "done", True),
        ("open", "blocked", True),
        ("in_progress", "cancelled", True),
        ("blocked", "in_progress", True),
        ("done", "open", False),
        ("open", "done", False),
        ("cancelled", "in_progress", False),
    ],
)
def test_action_transitions(current, target, ok):
    if ok:
        check_action_transition(current, target)
    else:
        with pytest.raises(InvalidTransition):
            check_action_transition(current, target)
