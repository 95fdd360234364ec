"""Who may see and change what (domain/access.py): the one place of these rules, tested without an
app or a database. The SQL side (services/visibility.py) is held to the same table in
tests/services/test_visibility.py."""

from __future__ import annotations

import pytest

from incident_hub.domain.access import (
    Principal,
    check_may_change_incident,
    check_may_work_action,
    check_work_takes_part,
    may_change_incident,
    may_comment_action,
    may_see_action,
    may_see_assessment,
    may_see_incident,
    may_work_action,
    taking_part,
)
from incident_hub.domain.units import DEFAULT_UNITS
from incident_hub.errors import Forbidden, RuleViolation

OICT = Principal(1, "oict1", "oict_responder", "OICT")
DSS = Principal(2, "dss1", "dss_officer", "DSS")
MANAGER = Principal(3, "manager1", "manager", None)
DSS_MANAGER = Principal(4, "manager2", "manager", "DSS")
ADMIN = Principal(5, "admin1", "admin", None)
UNITS = DEFAULT_UNITS

R1 = taking_part("OICT")  # cyber only: OICT leads, nobody else
R3 = taking_part("OICT", ["DSS"])  # hybrid: DSS partner
R4 = taking_part("DSS", informed=["OICT"])  # physical only: OICT informed


def test_taking_part_is_lead_partners_and_informed():
    assert taking_part("OICT", ["DSS"], []) == {"OICT", "DSS"}
    assert taking_part("DSS", (), ("OICT",)) == {"DSS", "OICT"}
    assert taking_part("OICT") == {"OICT"}


@pytest.mark.parametrize(
    ("who", "incident", "sees"),
    [
        (OICT, R1, True),
        (OICT, taking_part("DSS"), True),  # the cyber-cleared see every incident
        (DSS, R1, False),
        (DSS, R3, True),
        (DSS, R4, True),
        (MANAGER, R1, True),
        (DSS_MANAGER, R1, True),
        (ADMIN, R1, True),
    ],
)
def test_may_see_incident(who, incident, sees):
    assert may_see_incident(who, incident, UNITS) is sees


def test_may_see_assessment_follows_its_incident_and_subject_only_ones_are_open():
    assert may_see_assessment(DSS, None, UNITS) is True  # prevention work on premises: no incident
    assert may_see_assessment(DSS, R1, UNITS) is False
    assert may_see_assessment(DSS, R3, UNITS) is True
    assert may_see_assessment(OICT, R4, UNITS) is True


def test_an_action_is_seen_by_exactly_those_who_see_its_incident():
    # (a) and (b) of issue 11: a DSS-owned action on an incident DSS takes no part in stays hidden from DSS.
    for owner in ("DSS", "OICT"):
        assert may_see_action(DSS, UNITS, owner, R1) is False
        assert may_see_action(DSS, UNITS, owner, R3) is True
        assert may_see_action(OICT, UNITS, owner, R1) is True
        assert may_see_action(MANAGER, UNITS, owner, R1) is True
    # the incident decides even when an assessment is named too
    assert may_see_action(DSS, UNITS, "DSS", R1, assessment_seen=True) is False


def test_without_incident_the_assessment_decides_and_with_neither_the_owner_unit():
    assert may_see_action(DSS, UNITS, "OICT", None, assessment_seen=True) is True
    assert may_see_action(DSS, UNITS, "DSS", None, assessment_seen=False) is False
    assert may_see_action(DSS, UNITS, "DSS", None) is True
    assert may_see_action(DSS, UNITS, "OICT", None) is False
    assert may_see_action(OICT, UNITS, "DSS", None) is True


def test_anyone_who_may_see_an_action_may_comment_on_it():
    cases = [(DSS, "OICT", R3, None), (DSS, "DSS", R1, None), (OICT, "DSS", R4, None), (DSS, "OICT", None, True)]
    for who, owner, incident, seen in cases:
        sees = may_see_action(who, UNITS, owner, incident, seen)
        assert may_comment_action(who, UNITS, owner, incident, seen) is sees
    assert may_comment_action(DSS, UNITS, "OICT", R3) is True and may_work_action(DSS, "OICT") is False


@pytest.mark.parametrize(
    ("who", "owner", "works"),
    [
        (OICT, "OICT", True),
        (OICT, "DSS", False),  # part 5: OICT does not work DSS's actions…
        (DSS, "DSS", True),
        (DSS, "OICT", False),  # …nor DSS OICT's
        (MANAGER, "DSS", True),
        (MANAGER, "OICT", True),
        (DSS_MANAGER, "OICT", True),
        (ADMIN, "DSS", True),
    ],
)
def test_a_unit_works_its_own_actions(who, owner, works):
    assert may_work_action(who, owner) is works
    if works:
        check_may_work_action(who, owner)
    else:
        with pytest.raises(Forbidden) as exc:
            check_may_work_action(who, owner)
        assert exc.value.details == {"owner_unit": owner}


def test_a_unit_without_unit_works_nothing_but_managers_do():
    nobody = Principal(9, "x", "oict_responder", None)
    assert may_work_action(nobody, "OICT") is False


@pytest.mark.parametrize(
    ("who", "lead", "changes"),
    [
        (OICT, "OICT", True),
        (OICT, "DSS", True),  # OICT leads the response (para 16): the cyber-cleared change any incident
        (DSS, "DSS", True),
        (DSS, "OICT", False),
        (MANAGER, "OICT", True),
        (ADMIN, "DSS", True),
    ],
)
def test_may_change_incident(who, lead, changes):
    assert may_change_incident(who, lead, UNITS) is changes
    if not changes:
        with pytest.raises(Forbidden, match="Only the lead unit or a manager may change this incident"):
            check_may_change_incident(who, lead, UNITS)


def test_work_is_given_only_to_units_taking_part():
    check_work_takes_part("DSS", 7, R3, "owning the action 'x'")
    check_work_takes_part("OICT", 7, R4, "owning the action 'x'")  # informed units take part too
    with pytest.raises(RuleViolation) as exc:
        check_work_takes_part("DSS", 7, R1, "owning the action 'x'")
    details = exc.value.details
    assert details["rule"] == "need_to_know" and details["unit"] == "DSS" and details["incident_id"] == 7
    assert "owner_unit" in details["fields"]
    assert "takes no part in incident 7" in exc.value.message
