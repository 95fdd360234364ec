"""The pages' blueprint, their navigation and the incident page's panels (imported by every page module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from incident_hub.domain.access import ADMIN, DSS_OFFICER, MANAGER, OICT_RESPONDER
from incident_hub.domain.labels import label, labels
from incident_hub.i18n import translate

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
    NavItem("web.admin_channels", _l("Channels"), (ADMIN,)),
]
# Templates included at the end of the incident page: (template name, roles).
INCIDENT_PANELS: list[tuple[str, tuple[str, ...]]] = [
    ("assessments/_incident_panel.html", EVERYONE),
    ("notifications/_incident_panel.html", EVERYONE),
    ("incidents/_review_panel.html", EVERYONE),
    ("evidence/_incident_panel.html", EVERYONE),
]


@bp.app_context_processor
def _nav_items() -> dict[str, Any]:
    principal = g.get("principal")
    role = principal.role if principal else None
    return {
        "unread_count": _unread_count,
        "nav_items": [item for item in NAV if role in item.roles],
        "incident_panels": [name for name, roles in INCIDENT_PANELS if role in roles],
    }


def _unread_count() -> int:
    """For the bell: called by the nav template only when someone is signed in."""
    from incident_hub.services.notify.inbox import unread_count

    return unread_count(g.principal)


@bp.app_template_filter("when")
def when(value: str | datetime | None) -> str:
    """An ISO string or aware datetime as `2026-11-24 16:03 UTC` (— when there is none)."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@bp.app_template_filter("number")
def number(value: int) -> str:
    """A count in the reader's language (1,000,000 / 1 000 000 / 1.000.000)."""
    return str(format_number(value))


@bp.app_template_filter("label")
def label_filter(code: object, kind: str) -> str:
    """`{{ incident.severity | label('severity') }}`: the words people read (domain/labels.py)."""
    return label(kind, code, translate)


@bp.app_template_filter("labels")
def labels_filter(codes: object, kind: str) -> str:
    """`{{ incident.effects | labels('effect') }}`: several codes as one phrase."""
    return labels(kind, codes, translate)
