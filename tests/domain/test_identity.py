"""The OpenID Connect role map: parsed and validated at start, the first matching entry wins."""

from __future__ import annotations

import pytest

from incident_hub.domain.identity import RoleMapError, claim_values, parse_role_map
from incident_hub.domain.units import DEFAULT_UNITS

GOOD = """
[[map]]
claim_value = "admins"
role = "admin"

[[map]]
claim_value = "oict"
role = "oict_responder"
unit = "OICT"

[[map]]
claim_value = "dss"
role = "dss_officer"
unit = "DSS"
"""


def test_first_matching_entry_wins_in_file_order() -> None:
    role_map = parse_role_map(GOOD, DEFAULT_UNITS)
    entry = role_map.match(["dss", "oict"])
    assert entry is not None and (entry.role, entry.unit, entry.line) == ("oict_responder", "OICT", 6)
    assert role_map.match(["nobody"]) is None
    assert role_map.match([]) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[map]]\nclaim_value = "x"\nrole = "dss_officer"\nunit = "OICT"\n', "line 1: dss_officer in unit 'OICT'"),
        ('[[map]]\nclaim_value = "x"\nrole = "oict_responder"\nunit = "DSS"\n', "(M1)"),
        ('\n\n[[map]]\nclaim_value = "x"\nrole = "manager"\nunit = "HR"\n', "line 3: unknown unit 'HR'"),
        ('[[map]]\nclaim_value = "x"\nrole = "superuser"\n', "role 'superuser' is not one of"),
        ('[[map]]\nclaim_value = ""\nrole = "admin"\n', "claim_value must be a non-empty string"),
        ('[[map]]\nclaim_value = "x"\nrole = "admin"\nunit = "OICT"\n', "an admin belongs to no unit"),
        ('[[map]]\nclaim_value = "x"\nrole = "admin"\ngroup = "y"\n', "unknown key 'group'"),
        ("title = 'nothing'\n", "no [[map]] entry"),
        ("[[map]\n", "not valid TOML"),
        (
            GOOD + '\n[[map]]\nclaim_value = "oict"\nrole = "manager"\n',
            "line 16: claim_value 'oict' already mapped at line 6",
        ),
    ],
)
def test_a_bad_map_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(RoleMapError) as caught:
        parse_role_map(text, DEFAULT_UNITS, where="roles.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("roles.toml")


def test_claim_values_accept_a_list_or_one_string() -> None:
    assert claim_values({"groups": ["a", 3, "b"]}, "groups") == ["a", "b"]
    assert claim_values({"roles": "Incident.Responder"}, "roles") == ["Incident.Responder"]
    assert claim_values({}, "groups") == []
    assert claim_values({"groups": {"a": 1}}, "groups") == []
