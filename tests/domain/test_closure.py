"""The closure rule (DOMAIN.md "Closing"): one case per row of CLOSURE_CHECKS, the manager's
override, the resolution note and the manager-only reopen."""

from __future__ import annotations

import pytest

from incident_hub.domain.closure import (
    CLOSURE_CHECKS,
    ClosureFacts,
    OpenItem,
    check_closure,
    check_reopen,
    check_resolution_note,
    closure_blockers,
)
from incident_hub.errors import Forbidden, RuleViolation, ValidationError

ACTION = OpenItem("action", 7, "Rotate credentials", "blocked")
DRAFT = OpenItem("assessment", 3, "Joint assessment", "draft")
SIGNED = OpenItem("assessment", 4, "Joint assessment v2", "signed")


def test_nothing_open_closes_without_reason():
    assert closure_blockers(ClosureFacts()) == []
    assert check_closure(ClosureFacts(), is_manager=False, override_reason="") is None


@pytest.mark.parametrize(
    ("facts", "check"),
    [
        (ClosureFacts(open_actions=(ACTION,)), "actions_open"),
        (ClosureFacts(joint_assessment_required=True), "joint_assessment_unsigned"),
        (ClosureFacts(joint_assessment_required=True, joint_assessments=(DRAFT,)), "joint_assessment_unsigned"),
    ],
)
def test_each_check_refuses_with_what_is_open(facts, check):
    with pytest.raises(RuleViolation) as raised:
        check_closure(facts, is_manager=True, override_reason="")
    details = raised.value.details
    assert raised.value.status == 422 and details["rule"] == "closure"
    assert [b["check"] for b in details["open"]] == [check]
    assert details["open"][0]["items"]


def test_signed_or_not_required_assessment_does_not_block():
    assert closure_blockers(ClosureFacts(joint_assessment_required=True, joint_assessments=(DRAFT, SIGNED))) == []
    assert closure_blockers(ClosureFacts(joint_assessment_required=False, joint_assessments=(DRAFT,))) == []


def test_every_check_is_listed_in_order():
    facts = ClosureFacts(open_actions=(ACTION,), joint_assessment_required=True, review_required=True)
    assert [b.check for b in closure_blockers(facts)] == [name for name, _ in CLOSURE_CHECKS]


def test_manager_overrides_with_a_reason_others_may_not():
    facts = ClosureFacts(open_actions=(ACTION,))
    assert check_closure(facts, is_manager=True, override_reason="  handed to the host country  ") == (
        "handed to the host country"
    )
    with pytest.raises(Forbidden):
        check_closure(facts, is_manager=False, override_reason="because")


def test_resolution_note_and_reopen():
    with pytest.raises(ValidationError) as raised:
        check_resolution_note("  ")
    assert "note" in raised.value.details["fields"]
    assert check_resolution_note(" patched ") == "patched"
    with pytest.raises(Forbidden):
        check_reopen(False, "new evidence")
    with pytest.raises(ValidationError) as raised:
        check_reopen(True, "")
    assert "reason" in raised.value.details["fields"]
    assert check_reopen(True, "new evidence") == "new evidence"
