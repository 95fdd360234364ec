"""The words people read: codes → English labels, one dict per kind (ARCHITECTURE.md "A word people read").

Pages, reports and messages show `label(kind, code, translate)`; the JSON API keeps the codes. Every label
is a literal marked for the catalogues; a word with several meanings in English carries its context
(`NP_("severity", "High")` is "Élevée", `NP_("risk level", "High")` "Élevé"), so `translate` is the
reader's context-aware lookup (i18n.translate), never a bare gettext. A code with no label falls back
to a readable form of itself (never an error on a page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from incident_hub.domain.risk import IMPACT_NAMES, LIKELIHOOD_NAMES
from incident_hub.domain.risk import LABELS as RISK_LEVELS
from incident_hub.domain.translatable import N_, NP_

VECTORS = {
    "digital": N_("Digital (cyber)"),
    "physical_on_it": N_("Physical attack on IT"),
    "physical": N_("Physical"),
}
EFFECTS = {
    "programme_disruption": N_("Programme disruption"),
    "premises_security_gap": N_("Gap in premises security"),
    "personnel_harm_risk": N_("Risk of harm to personnel"),
    "data_compromise": N_("Data compromised"),
    "service_outage": N_("Service outage"),
}
INCIDENT_STATUSES = {
    "new": NP_("incident status", "New"),
    "acknowledged": NP_("incident status", "Acknowledged"),
    "contained": NP_("incident status", "Contained"),
    "resolved": NP_("incident status", "Resolved"),
    "closed": NP_("incident status", "Closed"),
}
# The button that moves an incident to a status.
INCIDENT_MOVES = {
    "acknowledged": N_("Acknowledge"),
    "contained": N_("Mark contained"),
    "resolved": N_("Resolve"),
    "closed": N_("Close"),
}
ACTION_STATUSES = {
    "open": NP_("action status", "Open"),
    "in_progress": NP_("action status", "In progress"),
    "done": NP_("action status", "Done"),
    "blocked": NP_("action status", "Blocked"),
    "cancelled": NP_("action status", "Cancelled"),
}
ACTION_MOVES = {
    "in_progress": NP_("action move", "Start"),
    "blocked": NP_("action move", "Block"),
    "done": NP_("action move", "Mark done"),
    "cancelled": NP_("action move", "Cancel"),
}
SEVERITIES = {
    "low": NP_("severity", "Low"),
    "medium": NP_("severity", "Medium"),
    "high": NP_("severity", "High"),
    "critical": NP_("severity", "Critical"),
}
RULES = {
    "R1": N_("R1 · cyber component: OICT leads"),
    "R2": N_("R2 · cyber with a physical-security effect: OICT leads, DSS partner"),
    "R3": N_("R3 · hybrid cyber-attack: OICT leads, DSS partner, joint assessment"),
    "R4": N_("R4 · physical-security effect only: DSS leads, OICT informed"),
    "R5": N_("R5 · not enough facts yet: OICT triage"),
}
UNITS = {
    "OICT": N_("OICT (Office of Information and Communications Technology)"),
    "DSS": N_("DSS (Department of Safety and Security)"),
}
MANDATES = {"cyber": N_("Cyber"), "physical_security": N_("Physical security")}
PHASES = {"prevention": N_("Prevention"), "mitigation": N_("Mitigation")}
ROLES = {
    "oict_responder": N_("OICT responder"),
    "dss_officer": N_("DSS officer"),
    "manager": N_("Manager"),
    "admin": N_("Administrator"),
}
CRITERIA_STATES = {"met": N_("Met"), "not_met": N_("Not met"), "unknown": N_("Unknown")}
HYBRID = {"yes": N_("Hybrid"), "no": N_("Not hybrid"), "unknown": N_("Unknown")}
ASSESSMENT_STATUSES = {
    "draft": NP_("assessment status", "Draft"),
    "signed": NP_("assessment status", "Signed"),
    "missing": NP_("assessment status", "Missing"),
}
REVIEW_STATUSES = {
    "not_started": NP_("review status", "Not started"),
    "draft": NP_("review status", "Draft"),
    "signed": NP_("review status", "Signed"),
}
THREAT_DOMAINS = {"cyber": NP_("threat domain", "Cyber"), "physical": NP_("threat domain", "Physical")}
MEASURE_KINDS = {"prevention": N_("Prevention"), "mitigation": N_("Mitigation")}
EVENTS = {
    "created": N_("Created"),
    "routed": N_("Routed"),
    "rerouted": N_("Routed again"),
    "lead_override": N_("Lead unit set by hand"),
    "status": N_("Status changed"),
    "comment": N_("Comment"),
    "facts": N_("Facts changed"),
    "updated": N_("Facts changed"),
    "action_status": N_("Action status"),
    "action_overdue": N_("Action overdue"),
    "assessment": N_("Assessment"),
    "playbook_applied": N_("Playbook applied"),
    "playbook_skipped": N_("Playbook skipped"),
    "playbook_step_skipped": N_("Playbook step skipped"),
    "alert_joined": N_("Monitoring alerts joined"),
    "alert_resolved": N_("Monitoring alerts resolved"),
    "alert_refired": N_("Monitoring alerts firing again"),
}
INCIDENT_SORTS = {
    "-created_at": N_("Created (newest first)"),
    "created_at": N_("Created (oldest first)"),
    "-updated_at": N_("Updated (latest first)"),
    "updated_at": N_("Updated (earliest first)"),
    "-severity": N_("Severity (critical first)"),
    "severity": N_("Severity (low first)"),
    "status": N_("Status (new first)"),
    "-status": N_("Status (closed first)"),
    "title": N_("Title (A to Z)"),
    "-title": N_("Title (Z to A)"),
    "-occurred_at": N_("Occurred (latest first)"),
    "occurred_at": N_("Occurred (earliest first)"),
    "-id": N_("Number (highest first)"),
    "id": N_("Number (lowest first)"),
    "relevance": N_("Best match"),
}
ACTION_SORTS = {
    "due_at": N_("Due (soonest first)"),
    "-due_at": N_("Due (latest first)"),
    "-created_at": N_("Created (newest first)"),
    "created_at": N_("Created (oldest first)"),
    "-updated_at": N_("Updated (latest first)"),
    "status": N_("Status"),
    "title": N_("Title (A to Z)"),
    "-title": N_("Title (Z to A)"),
    "id": N_("Number (lowest first)"),
    "-id": N_("Number (highest first)"),
}
COLUMNS = {
    "id": N_("#"),
    "title": N_("Title"),
    "status": N_("Status"),
    "severity": N_("Severity"),
    "hybrid": N_("Hybrid"),
    "rule": N_("Rule"),
    "lead_unit": N_("Lead"),
    "tlp": N_("TLP"),
    "created_at": N_("Created"),
    "updated_at": N_("Updated"),
    "occurred_at": N_("Occurred"),
    "due_at": N_("Due"),
    "owner_unit": N_("Owner unit"),
    "assignee": N_("Assignee"),
    "phase": N_("Phase"),
    "incident_id": N_("Incident"),
}
DELIVERY_OUTCOMES = {
    "accepted": N_("Accepted"),
    "duplicate": N_("Duplicate (already stored)"),
    "refused": N_("Refused"),
}
BULK_OPERATIONS = {"assign": N_("Assign to"), "start": N_("Start"), "cancel": N_("Cancel")}
RISK_LEVEL = dict(RISK_LEVELS)
# Likelihood and impact read "3 · Moderately Likely": the number stays, the name is translated.
LIKELIHOOD = {str(k): v for k, v in LIKELIHOOD_NAMES.items()}
IMPACT = {str(k): v for k, v in IMPACT_NAMES.items()}
_NUMBERED = {"likelihood", "impact"}

KINDS: dict[str, Mapping[str, str]] = {
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
    "review_status": REVIEW_STATUSES,
    "threat_domain": THREAT_DOMAINS,
    "measure_kind": MEASURE_KINDS,
    "event": EVENTS,
    "incident_sort": INCIDENT_SORTS,
    "action_sort": ACTION_SORTS,
    "column": COLUMNS,
    "bulk": BULK_OPERATIONS,
    "delivery_outcome": DELIVERY_OUTCOMES,
    "risk_level": RISK_LEVEL,
    "likelihood": LIKELIHOOD,
    "impact": IMPACT,
}


def readable(code: str) -> str:
    """A code nobody labelled yet, made readable: `in_progress` → `In progress`."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _same(text: str) -> str:
    return text


def label(kind: str, code: object, translate: Callable[[str], str] = _same) -> str:
    """The label of `code` in `kind` (`label("effect", "personnel_harm_risk")` → "Risk of harm to personnel"),
    in the reader's language when `translate` is their context-aware gettext (i18n.translate).

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
    word = table.get(text)
    if word is None:
        return readable(text)
    return f"{text} · {translate(word)}" if kind in _NUMBERED else translate(word)


def labels(kind: str, codes: object, translate: Callable[[str], str] = _same) -> str:
    """Several codes as one comma-separated phrase ("—" for none)."""
    if not codes:
        return "—"
    return ", ".join(label(kind, c, translate) for c in codes)  # type: ignore[attr-defined]


def choices(kind: str, codes: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(code, label) pairs for a select, in the order of `codes`."""
    return [(c, label(kind, c)) for c in codes]
