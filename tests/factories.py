"""Test data made through the services, so routing and audit stay real."""

from __future__ import annotations

import itertools
from typing import Any

from incident_hub.domain.access import Principal
from incident_hub.models import Incident, User
from incident_hub.services.admin.tokens import create_token
from incident_hub.services.admin.users import create_user
from incident_hub.services.incidents.commands import create_incident

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)

HYBRID_FACTS = {
    "vectors": ["digital"],
    "effects": ["programme_disruption", "premises_security_gap"],
    "deliberate": True,
}
CYBER_ONLY_FACTS = {"vectors": ["digital"], "effects": ["service_outage"], "deliberate": True}
PHYSICAL_ONLY_FACTS = {"vectors": ["physical"], "effects": ["personnel_harm_risk"], "deliberate": True}


def make_user(role: str, unit: str | None = None, username: str | None = None) -> tuple[User, str]:
    name = username or f"{role}-{next(_counter)}"
    user = create_user(name, role, unit, PASSWORD, actor="test")
    _, raw = create_token(name, "test", actor="test")
    return user, raw


SYSTEM = Principal(0, "test", "admin", None)


def make_incident(hybrid: bool = False, principal: Principal = SYSTEM, **overrides: Any) -> Incident:
    data: dict[str, Any] = {
        "title": f"Incident {next(_counter)}",
        "severity": "high",
        "tlp": "TLP:AMBER",
        **(HYBRID_FACTS if hybrid else CYBER_ONLY_FACTS),
    }
    data.update(overrides)
    return create_incident(principal, data)
