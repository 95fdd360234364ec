"""Rules of the joint assessment (DOMAIN.md; A/77/88/Add.1 paras 15-16): joint, sign-off, M1, frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.access import Principal
from incident_hub.domain.assessments import (
    assessment_residual,
    check_may_sign,
    check_measure_owner,
    check_mutable,
    check_threat_author,
    is_joint,
    is_review_due,
    measure_owner_units,
    needs_auto_joint,
    required_signers,
    sees_threat_details,
    status_for,
    threat_domains_for,
    threat_residual,
)
from incident_hub.domain.risk import LEVELS, rank
from incident_hub.domain.units import DEFAULT_UNITS
from incident_hub.errors import Conflict, Forbidden, MandateViolation, RuleViolation, UnknownUnit

OICT = Principal(1, "o", "oict_responder", "OICT")
DSS = Principal(2, "d", "dss_officer", "DSS")
DSS_MANAGER = Principal(3, "dm", "manager", "DSS")
MANAGER = Principal(4, "m", "manager", None)
ADMIN = Principal(5, "a", "admin", None)
JOINT = frozenset({"OICT", "DSS"})


@pytest.mark.parametrize(
    ("rule", "joint", "auto"),
    [("R1", False, False), ("R2", True, False), ("R3", True, True), ("R4", False, False), ("R5", False, False)],
)
def test_joint_when_r2_or_r3_auto_only_for_r3(rule, joint, auto):
    """Para 16: DSS and OICT jointly assess; footnote 1 (R3) makes it required."""
    assert is_joint(rule) is joint and needs_auto_joint(rule) is auto
    assert is_joint(None) is False


def test_required_signers():
    assert required_signers(True, "OICT", DEFAULT_UNITS) == JOINT
    assert required_signers(False, "DSS", DEFAULT_UNITS) == {"DSS"}
    assert required_signers(False, None, DEFAULT_UNITS) == frozenset()


@pytest.mark.parametrize(
    ("required", "signed", "status"),
    [
        (JOINT, [], "draft"),
        (JOINT, ["OICT"], "draft"),
        (JOINT, ["DSS"], "draft"),
        (JOINT, ["OICT", "DSS"], "signed"),
        (frozenset({"DSS"}), ["DSS"], "signed"),
        (frozenset(), [], "draft"),
        (frozenset(), ["OICT"], "signed"),
    ],
)
def test_signed_only_when_every_required_unit_signed(required, signed, status):
    assert status_for(required, signed) == status


def test_each_unit_signs_for_itself_and_a_unit_manager_may_sign():
    assert check_may_sign(OICT, JOINT, [], 1, "low") == "OICT"
    assert check_may_sign(DSS, JOINT, ["OICT"], 1, "low") == "DSS"
    assert check_may_sign(DSS_MANAGER, JOINT, ["OICT"], 1, "high") == "DSS"


@pytest.mark.parametrize(
    ("who", "required", "signed", "threats", "residual", "error"),
    [
        (ADMIN, JOINT, [], 1, "low", Forbidden),  # no unit
        (MANAGER, JOINT, [], 1, "low", Forbidden),
        (DSS, frozenset({"OICT"}), [], 1, "low", RuleViolation),  # not asked to sign
        (OICT, JOINT, ["OICT"], 1, "low", Conflict),  # twice
        (OICT, JOINT, [], 0, None, RuleViolation),  # nothing assessed
        (OICT, JOINT, [], 1, "high", RuleViolation),  # residual >= High needs a manager
    ],
)
def test_sign_refusals(who, required, signed, threats, residual, error):
    with pytest.raises(error):
        check_may_sign(who, required, signed, threats, residual)


@pytest.mark.parametrize(
    ("who", "domains", "allowed"),
    [
        (OICT, ["cyber"], True),
        (OICT, ["physical"], True),
        (DSS, ["physical"], True),
        (DSS, ["cyber"], False),
        (DSS, ["physical", "cyber"], False),  # turning a physical threat into a cyber one
        (DSS_MANAGER, ["cyber"], False),  # M1 follows the unit, whatever the role
        (MANAGER, ["cyber"], True),  # unit-less managers and admins are cyber-cleared
        (ADMIN, ["cyber"], True),
    ],
)
def test_m1_on_threat_authors(who, domains, allowed):
    if allowed:
        check_threat_author(who, domains, "t", DEFAULT_UNITS)
    else:
        with pytest.raises(MandateViolation) as caught:
            check_threat_author(who, domains, "t", DEFAULT_UNITS)
        assert caught.value.details["rule"] == "M1"


@pytest.mark.parametrize("who", [OICT, DSS, DSS_MANAGER, MANAGER, ADMIN])
def test_the_domains_offered_are_exactly_those_m1_allows(who):
    """The pages offer a domain exactly when check_threat_author would accept it."""
    for domain in ("cyber", "physical"):
        try:
            check_threat_author(who, [domain], "t", DEFAULT_UNITS)
            allowed = True
        except MandateViolation:
            allowed = False
        assert (domain in threat_domains_for(who, DEFAULT_UNITS)) is allowed, (who.role, who.unit, domain)


def test_measure_owners_offered_are_exactly_those_m1_allows():
    assert measure_owner_units("cyber", DEFAULT_UNITS) == ["OICT"]
    assert sorted(measure_owner_units("physical", DEFAULT_UNITS)) == ["DSS", "OICT"]


def test_m1_on_measure_owners():
    check_measure_owner("OICT", "cyber", DEFAULT_UNITS)
    check_measure_owner("DSS", "physical", DEFAULT_UNITS)
    check_measure_owner("OICT", "physical", DEFAULT_UNITS)
    with pytest.raises(MandateViolation):
        check_measure_owner("DSS", "cyber", DEFAULT_UNITS)
    with pytest.raises(UnknownUnit):
        check_measure_owner("NOPE", "physical", DEFAULT_UNITS)


def test_frozen_versions_refuse_change():
    check_mutable(None, 2)
    with pytest.raises(Conflict) as caught:
        check_mutable(datetime(2026, 1, 1, tzinfo=UTC), 1)
    assert caught.value.status == 409 and caught.value.details["version"] == 1


def test_review_due():
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert is_review_due(now, now) and is_review_due(now - timedelta(seconds=1), now)
    assert not is_review_due(now + timedelta(seconds=1), now) and not is_review_due(None, now)


def test_need_to_know_on_threats():
    assert sees_threat_details(DSS, "physical", DEFAULT_UNITS)
    assert not sees_threat_details(DSS, "cyber", DEFAULT_UNITS)
    assert sees_threat_details(OICT, "cyber", DEFAULT_UNITS) and sees_threat_details(MANAGER, "cyber", DEFAULT_UNITS)


levels = st.sampled_from(LEVELS)


@given(levels, st.lists(st.one_of(st.none(), levels), max_size=5))
def test_threat_residual_is_the_best_estimate_or_the_inherent_level(inherent, residuals):
    result = threat_residual(inherent, residuals)
    estimated = [r for r in residuals if r]
    assert result == (min(estimated, key=rank) if estimated else inherent)


@given(st.lists(levels, max_size=6))
def test_assessment_residual_is_the_worst_threat(levels_):
    result = assessment_residual(levels_)
    assert result is None if not levels_ else all(rank(result) >= rank(x) for x in levels_)
