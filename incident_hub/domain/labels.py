"""The words people read: codes → English labels, one dict per kind (ARCHITECTURE.md "A word people read").

Pages, reports and messages show `label(kind, code)`; the JSON API keeps the codes. Every label is a
plain string literal so the translation catalogues can wrap each one in gettext later; a code with no
label falls back to a readable form of itself (never an error on a page).
"""

from __future__ import annotations

from incident_hub.domain.risk import IMPACT_NAMES, LIKELIHOOD_NAMES
from incident_hub.domain.risk import LABELS as RISK_LEVELS

VECTORS = {
    "digital": "Digital (cyber)",
    "physical_on_it": "Physical attack on IT",
    "physical": "Physical",
}
EFFECTS = {
    "programme_disruption": "Programme disruption",
    "premises_security_gap": "Gap in premises security",
    "personnel_harm_risk": "Risk of harm to personnel",
    "data_compromise": "Data compromised",
    "service_outage": "Service outage",
}
INCIDENT_STATUSES = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "contained": "Contained",
    "resolved": "Resolved",
    "closed": "Closed",
}
# The button that moves an incident to a status.
INCIDENT_MOVES = {
    "acknowledged": "Acknowledge",
    "contained": "Mark contained",
    "resolved": "Resolve",
    "closed": "Close",
}
ACTION_STATUSES = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "blocked": "Blocked",
    "cancelled": "Cancelled",
}
ACTION_MOVES = {"in_progress": "Start", "blocked": "Block", "done": "Mark done", "cancelled": "Cancel"}
SEVERITIES = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
RULES = {
    "R1": "R1 · cyber component: OICT leads",
    "R2": "R2 · cyber with a physical-security effect: OICT leads, DSS partner",
    "R3": "R3 · hybrid cyber-attack: OICT leads, DSS partner, joint assessment",
    "R4": "R4 · physical-security effect only: DSS leads, OICT informed",
    "R5": "R5 · not enough facts yet: OICT triage",
}
UNITS = {
    "OICT": "OICT (Information and Communications Technology)",
    "DSS": "DSS (Safety and Security)",
}
MANDATES = {"cyber": "Cyber", "physical_security": "Physical security"}
PHASES = {"prevention": "Prevention", "mitigation": "Mitigation"}
ROLES = {
    "oict_responder": "OICT responder",
    "dss_officer": "DSS officer",
    "manager": "Manager",
    "admin": "Administrator",
}
CRITERIA_STATES = {"met": "Met", "not_met": "Not met", "unknown": "Unknown"}
HYBRID = {"yes": "Hybrid", "no": "Not hybrid", "unknown": "Unknown"}
ASSESSMENT_STATUSES = {"draft": "Draft", "signed": "Signed"}
THREAT_DOMAINS = {"cyber": "Cyber", "physical": "Physical"}
MEASURE_KINDS = {"prevention": "Prevention", "mitigation": "Mitigation"}
EVENTS = {
    "created": "Created",
    "routed": "Routed",
    "rerouted": "Routed again",
    "lead_override": "Lead unit set by hand",
    "status": "Status changed",
    "comment": "Comment",
    "facts": "Facts changed",
    "updated": "Facts changed",
    "action_status": "Action status",
    "action_overdue": "Action overdue",
    "assessment": "Assessment",
    "playbook_applied": "Playbook applied",
    "playbook_skipped": "Playbook skipped",
    "playbook_step_skipped": "Playbook step skipped",
    "alert_joined": "Monitoring alerts joined",
    "alert_resolved": "Monitoring alerts resolved",
    "alert_refired": "Monitoring alerts firing again",
}
INCIDENT_SORTS = {
    "-created_at": "Created (newest first)",
    "created_at": "Created (oldest first)",
    "-updated_at": "Updated (latest first)",
    "updated_at": "Updated (earliest first)",
    "-severity": "Severity (critical first)",
    "severity": "Severity (low first)",
    "status": "Status (new first)",
    "-status": "Status (closed first)",
    "title": "Title (A to Z)",
    "-title": "Title (Z to A)",
    "-occurred_at": "Occurred (latest first)",
    "occurred_at": "Occurred (earliest first)",
    "-id": "Number (highest first)",
    "id": "Number (lowest first)",
    "relevance": "Best match",
}
ACTION_SORTS = {
    "due_at": "Due (soonest first)",
    "-due_at": "Due (latest first)",
    "-created_at": "Created (newest first)",
    "created_at": "Created (oldest first)",
    "-updated_at": "Updated (latest first)",
    "status": "Status",
    "title": "Title (A to Z)",
    "-title": "Title (Z to A)",
    "id": "Number (lowest first)",
    "-id": "Number (highest first)",
}
COLUMNS = {
    "id": "#",
    "title": "Title",
    "status": "Status",
    "severity": "Severity",
    "hybrid": "Hybrid",
    "rule": "Rule",
    "lead_unit": "Lead",
    "tlp": "TLP",
    "created_at": "Created",
    "updated_at": "Updated",
    "occurred_at": "Occurred",
    "due_at": "Due",
    "owner_unit": "Owner unit",
    "assignee": "Assignee",
    "phase": "Phase",
    "incident_id": "Incident",
}
BULK_OPERATIONS = {"assign": "Assign to", "start": "Start", "cancel": "Cancel"}
RISK_LEVEL = dict(RISK_LEVELS)
LIKELIHOOD = {str(k): f"{k} · {v}" for k, v in LIKELIHOOD_NAMES.items()}
IMPACT = {str(k): f"{k} · {v}" for k, v in IMPACT_NAMES.items()}

KINDS: dict[str, dict[str, str]] = {
    "vector": VECTORS,
    "effect": EFFECTS,
    "incident_status": INCIDENT_STATUSES,
    "incident_move": INCIDENT_MOVES,
    "action_status": ACTION_STATUSES,
    "action_move": ACTION_MOVES,
    "severity": SEVERITIES,
    "rule": RULES,
    "unit": UNITS,
    "mandate": MANDATES,
    "phase": PHASES,
    "role": ROLES,
    "criterion_state": CRITERIA_STATES,
    "hybrid": HYBRID,
    "assessment_status": ASSESSMENT_STATUSES,
    "threat_domain": THREAT_DOMAINS,
    "measure_kind": MEASURE_KINDS,
    "event": EVENTS,
    "incident_sort": INCIDENT_SORTS,
    "action_sort": ACTION_SORTS,
    "column": COLUMNS,
    "bulk": BULK_OPERATIONS,
    "risk_level": RISK_LEVEL,
    "likelihood": LIKELIHOOD,
    "impact": IMPACT,
}


def readable(code: str) -> str:
    """A code nobody labelled yet, made readable: `in_progress` → `In progress`."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def label(kind: str, code: object) -> str:
    """The label of `code` in `kind` (`label("effect", "personnel_harm_risk")` → "Risk of harm to personnel").

    None and "" read as "—"; booleans as the hybrid words (yes/no); an unknown code as `readable(code)`.
    """
    if code is None or code == "":
        return "—"
    if isinstance(code, bool):
        code = "yes" if code else "no"
    table = KINDS.get(kind)
    if table is None:
        raise KeyError(f"no label kind {kind!r}")
    text = str(code)
    return table.get(text) or readable(text)


def labels(kind: str, codes: object) -> str:
    """Several codes as one comma-separated phrase ("—" for none)."""
    if not codes:
        return "—"
    return ", ".join(label(kind, c) for c in codes)  # type: ignore[attr-defined]


def choices(kind: str, codes: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(code, label) pairs for a select, in the order of `codes`."""
    return [(c, label(kind, c)) for c in codes]
