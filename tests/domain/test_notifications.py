"""Who hears of what and what a message may say (domain/notifications.py): pure, no app."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_hub.domain.notifications import (
    EVENTS,
    check_preferences,
    effective_channels,
    goes_to_digest,
    mentioned_usernames,
    outside_subject,
)
from incident_hub.errors import ValidationError

API_EVENTS = {
    "incident.routed",
    "incident.owner_assigned",
    "incident.status_changed",
    "action.assigned",
    "action.due_soon",
    "action.overdue",
    "assessment.signoff_requested",
    "assessment.signoff_voided",
    "assessment.joint_due",
    "comment.mention",
    "review.signoff_requested",
}
TLPS = ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]


def test_the_table_has_every_event_of_the_api():
    assert set(EVENTS) == API_EVENTS


@pytest.mark.parametrize("tlp", ["TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED", None])
def test_titles_stay_inside_from_amber_up(tlp):
    subject = outside_subject(tlp, 42, "Badge readers at HQ")
    assert "Badge readers" not in subject and "#42" in subject and "needs your attention" in subject


@pytest.mark.parametrize("tlp", ["TLP:CLEAR", "TLP:GREEN"])
def test_titles_travel_for_clear_and_green(tlp):
    assert outside_subject(tlp, 7, "Fibre cut") == "Incident #7: Fibre cut"


@given(st.sampled_from(TLPS), st.text(min_size=1, max_size=50))
def test_subject_never_holds_the_title_unless_clear_or_green(tlp, title):
    subject = outside_subject(tlp, 1, "«" + title + "»")
    assert ("«" + title + "»" in subject) == (tlp in ("TLP:CLEAR", "TLP:GREEN"))


def test_defaults_urgent_by_email_others_in_app():
    assert effective_channels("action.overdue", None) == ("in_app", "email")
    assert effective_channels("incident.status_changed", None) == ("in_app",)
    assert effective_channels("action.overdue", {"action.overdue": []}) == ("in_app",)  # in-app always
    assert effective_channels("incident.status_changed", {"incident.status_changed": ["email"]}) == (
        "in_app",
        "email",
    )


def test_preferences_are_validated_by_field():
    with pytest.raises(ValidationError) as caught:
        check_preferences({"nope": ["email"], "action.assigned": ["pigeon"]}, "weekly")
    assert set(caught.value.details["fields"]) == {"events.nope", "events.action.assigned", "digest"}


def test_digest_holds_only_low_priority_mail():
    assert goes_to_digest("incident.status_changed", "hourly")
    assert not goes_to_digest("action.overdue", "hourly")
    assert not goes_to_digest("incident.status_changed", "off")


def test_mentions():
    text = "@dss1 and @oict.lead, see also mail@example.org and @dss1 again. (@x-y)"
    assert mentioned_usernames(text) == ["dss1", "oict.lead", "x-y"]
