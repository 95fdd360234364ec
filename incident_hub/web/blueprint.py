"""The pages' blueprint, their navigation and the incident page's panels (imported by every page module)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g
from flask_babel import lazy_gettext as _l

from incident_hub.domain.access import ADMIN, DSS_OFFICER, MANAGER, OICT_RESPONDER

bp = Blueprint("web", __name__)
EVERYONE = (OICT_RESPONDER, DSS_OFFICER, MANAGER, ADMIN)
MANAGERS = (MANAGER, ADMIN)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...] = EVERYONE


NAV: list[NavItem] = [
    NavItem("web.incidents", _l("Incidents")),
    NavItem("web.actions_board", _l("Actions")),
    NavItem("web.assessments", _l("Assessments")),
    NavItem("web.playbooks", _l("Playbooks")),
    NavItem("web.dashboard", _l("Dashboard"), MANAGERS),
    NavItem("web.governance_report", _l("Governance report"), MANAGERS),
    NavItem("web.audit", _l("Audit"), MANAGERS),
    NavItem("web.admin_users", _l("Users"), (ADMIN,)),
    NavItem("web.admin_sources", _l("Sources"), (ADMIN,)),
]
# Templates included at the end of the incident page: (template name, roles).
INCIDENT_PANELS: list[tuple[str, tuple[str, ...]]] = [
    ("assessments/_incident_panel.html", EVERYONE),
    ("incidents/_review_panel.html", EVERYONE),
    ("evidence/_incident_panel.html", EVERYONE),
]


@bp.app_context_processor
def _nav_items() -> dict[str, Any]:
    principal = g.get("principal")
    role = principal.role if principal else None
    return {
        "nav_items": [item for item in NAV if role in item.roles],
        "incident_panels": [name for name, roles in INCIDENT_PANELS if role in roles],
    }
