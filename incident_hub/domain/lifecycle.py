"""Status machines of incidents and actions (API.md "Vocabulary"; NIST SP 800-61 phases)."""

from __future__ import annotations

from datetime import datetime

from incident_hub.domain.translatable import N_, Coded, Text
from incident_hub.errors import InvalidTransition

INCIDENT_STATUSES = ("new", "acknowledged", "contained", "resolved", "closed")
INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"acknowledged"}),
    "acknowledged": frozenset({"contained", "resolved"}),
    "contained": frozenset({"resolved"}),
    "resolved": frozenset({"closed", "acknowledged"}),
    "closed": frozenset({"acknowledged"}),  # reopened by a manager, with a reason (domain/closure.py)
}
OPEN_INCIDENT_STATUSES = ("new", "acknowledged", "contained")
# The timestamp each status stamps the first time it is reached.
INCIDENT_STAMPS = {
    "acknowledged": "acknowledged_at",
    "contained": "contained_at",
    "resolved": "resolved_at",
    "closed": "closed_at",
}

# The phase of an action (a playbook step, or the kind of the measure it tracks); defined here only.
PHASES = ("prevention", "mitigation")
ACTION_STATUSES = ("open", "in_progress", "done", "blocked", "cancelled")
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "blocked", "cancelled"}),
    "in_progress": frozenset({"done", "blocked", "cancelled"}),
    "blocked": frozenset({"in_progress"}),
    "done": frozenset(),
    "cancelled": frozenset(),
}
CLOSED_ACTION_STATUSES = ("done", "cancelled")
OPEN_ACTION_STATUSES = tuple(s for s in ACTION_STATUSES if s not in CLOSED_ACTION_STATUSES)


# What a refused move says, by kind of record: (not a status of that kind, not allowed from the current one).
REFUSALS = {
    "incident": (
        N_("%(target)s is not an incident status."),
        N_("An incident cannot go from '%(current)s' to '%(target)s'."),
    ),
    "action": (
        N_("%(target)s is not an action status."),
        N_("An action cannot go from '%(current)s' to '%(target)s'."),
    ),
}


def check_transition(kind: str, table: dict[str, frozenset[str]], current: str, target: str) -> None:
    unknown, refused = REFUSALS[kind]
    if target not in table:
        raise InvalidTransition(
            Text(unknown, target=repr(target)),
            {"fields": {"to": [Text(N_("unknown status %(target)s"), target=repr(target))]}},
        )
    if target not in table[current]:
        allowed = sorted(table[current])
        statuses = f"{kind}_status"
        raise InvalidTransition(
            Text(refused, current=Coded(statuses, [current]), target=Coded(statuses, [target])),
            {"from": current, "to": target, "allowed": allowed},
        )


def check_incident_transition(current: str, target: str) -> None:
    check_transition("incident", INCIDENT_TRANSITIONS, current, target)


def check_action_transition(current: str, target: str) -> None:
    check_transition("action", ACTION_TRANSITIONS, current, target)


def incident_stamps(
    current: str, target: str, stamps: dict[str, datetime | None], now: datetime
) -> dict[str, datetime | None]:
    """The timestamps after a permitted move `current → target`: each status stamps the first time
    it is reached; reopening (`resolved → acknowledged`, `closed → acknowledged`) clears the
    resolution so time to resolve counts from the last one."""
    check_incident_transition(current, target)
    out = dict(stamps)
    if current in ("resolved", "closed") and target == "acknowledged":
        out["resolved_at"] = None
        out["closed_at"] = None
    field = INCIDENT_STAMPS.get(target)
    if field and out.get(field) is None:
        out[field] = now
    return out
