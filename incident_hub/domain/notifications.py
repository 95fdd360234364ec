"""Who hears of what, by which channel, and what a message may say (DOMAIN.md "People, notifications
and follow-up"; A/77/88/Add.1 para 6: never detection details; TLP 2.0, reference/STANDARDS.md §6).

`EVENTS` is the table: one row per event, naming its audiences (resolved to people by
services/notify/fan_out.py) and whether it is urgent (urgent events go by email by default, the
rest stay in the app unless a person asks for more). Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from incident_hub.domain.translatable import N_
from incident_hub.errors import ValidationError


class Audience(StrEnum):
    INCIDENT_UNITS = "incident_units"  # members of the lead, partner and informed units
    OWNER = "owner"  # the incident owner (new owner for owner_assigned)
    FOLLOWERS = "followers"
    ASSIGNEE = "assignee"
    ASSIGNEE_ELSE_OWNER_UNIT = "assignee_else_owner_unit"
    OWNER_UNIT_MANAGERS = "owner_unit_managers"  # managers of the action's owner unit
    SIGNING_UNITS = "signing_units"  # members of the units that must sign
    JOINT_UNITS_MANAGERS = "joint_units_managers"
    MENTIONED = "mentioned"


@dataclass(frozen=True)
class EventRule:
    event: str
    audiences: tuple[Audience, ...]
    urgent: bool
    label: str  # what a person reads in their preferences


EVENTS: dict[str, EventRule] = {
    rule.event: rule
    for rule in (
        EventRule("incident.routed", (Audience.INCIDENT_UNITS,), True, N_("An incident is routed to my unit")),
        EventRule("incident.owner_assigned", (Audience.OWNER,), True, N_("I am made owner of an incident")),
        EventRule("incident.status_changed", (Audience.FOLLOWERS,), False, N_("An incident I follow changes status")),
        EventRule("action.assigned", (Audience.ASSIGNEE,), True, N_("An action is assigned to me")),
        EventRule("action.due_soon", (Audience.ASSIGNEE_ELSE_OWNER_UNIT,), False, N_("An action is due soon")),
        EventRule(
            "action.overdue", (Audience.ASSIGNEE, Audience.OWNER_UNIT_MANAGERS), True, N_("An action is overdue")
        ),
        EventRule(
            "assessment.signoff_requested",
            (Audience.SIGNING_UNITS,),
            True,
            N_("An assessment awaits my unit's sign-off"),
        ),
        EventRule(
            "assessment.signoff_voided", (Audience.SIGNING_UNITS,), False, N_("An assessment's sign-offs are voided")
        ),
        EventRule(
            "assessment.joint_due", (Audience.JOINT_UNITS_MANAGERS,), True, N_("A joint assessment is due or late")
        ),
        EventRule("comment.mention", (Audience.MENTIONED,), True, N_("Someone mentions me in a comment")),
        EventRule(
            "review.signoff_requested", (Audience.SIGNING_UNITS,), False, N_("A review awaits my unit's sign-off")
        ),
    )
}
IN_APP, EMAIL = "in_app", "email"
PERSONAL_CHANNELS = (IN_APP, EMAIL)
CHAT_KINDS = ("teams", "slack")
DIGESTS = ("off", "hourly")
# TLP 2.0 labels whose holders may share with peers: only these let a title leave the app.
TITLE_MAY_LEAVE = frozenset({"TLP:CLEAR", "TLP:GREEN"})
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9_.-]{0,79})")


def default_channels(event: str) -> tuple[str, ...]:
    """Urgent events by email too; the rest in the app only."""
    return (IN_APP, EMAIL) if EVENTS[event].urgent else (IN_APP,)


def effective_channels(event: str, chosen: Mapping[str, Iterable[str]] | None) -> tuple[str, ...]:
    """A person's channels for an event: their choice, else the default; in the app always."""
    if chosen is None or event not in chosen:
        return default_channels(event)
    picked = set(chosen[event]) | {IN_APP}
    return tuple(c for c in PERSONAL_CHANNELS if c in picked)


def check_preferences(events: Mapping[str, object], digest: str) -> dict[str, list[str]]:
    """Validate a PUT of preferences; the normalised {event: channels}. In-app cannot be turned off."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, list[str]] = {}
    for event, channels in events.items():
        if event not in EVENTS:
            errors[f"events.{event}"] = [f"unknown event; one of {', '.join(EVENTS)}"]
        elif not isinstance(channels, list) or any(c not in PERSONAL_CHANNELS for c in channels):
            errors[f"events.{event}"] = [f"a list of channels among {', '.join(PERSONAL_CHANNELS)}"]
        else:
            clean[event] = [c for c in PERSONAL_CHANNELS if c in set(channels) | {IN_APP}]
    if digest not in DIGESTS:
        errors["digest"] = [f"must be one of {', '.join(DIGESTS)}"]
    if errors:
        raise ValidationError.for_fields(errors)
    return clean


def goes_to_digest(event: str, digest: str) -> bool:
    """With the hourly digest, low-priority email waits for the next digest; urgent mail never waits."""
    return digest == "hourly" and not EVENTS[event].urgent


def title_may_leave(tlp: str | None) -> bool:
    return tlp in TITLE_MAY_LEAVE


def outside_subject(tlp: str | None, number: int, title: str) -> str:
    """What email and chat may say of an incident: its title only for TLP:CLEAR and TLP:GREEN."""
    if title_may_leave(tlp):
        return f"Incident #{number}: {title}"
    return f"Incident #{number} ({tlp or 'TLP:AMBER'}) needs your attention"


def mentioned_usernames(text: str) -> list[str]:
    """`@username` mentions in a comment, in order, each once (an email address is not a mention)."""
    seen: list[str] = []
    for name in MENTION.findall(text):
        name = name.rstrip(".-")
        if name and name not in seen:
            seen.append(name)
    return seen
