"""PDF documents people file and sign (issue 17): the incident report, the joint assessment, the
post-incident review and the governance report (Recommendation 1).

Each document's content is built here under need to know exactly as the pages build it for the
same person (incident_view, assessment_view, the visible actions), so a DSS officer's PDF holds no
detection details and the governance report only aggregates (para 6). Each carries a stamp: who
generated it, when, and the audit chain's head hash at that moment, which `flask audit verify --at
HASH` later finds in the chain (or not).

No Flask here: the caller passes `render(template, context) -> html`; WeasyPrint turns the HTML
and the print stylesheet into PDF bytes (imported on first use, so the app starts without it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal
from incident_hub.domain.explain import criteria_rows
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Unavailable
from incident_hub.extensions import db
from incident_hub.models import AuditHead
from incident_hub.runtime import now
from incident_hub.services.actions.board import incident_actions
from incident_hub.services.actions.queries import action_view, usernames
from incident_hub.services.assessments.queries import (
    AssessmentFilter,
    assessment_view,
    get_version,
    get_visible_assessment,
    list_assessments,
    summary_view,
)
from incident_hub.services.incidents.queries import event_view, incident_view, timeline
from incident_hub.services.reporting.governance import governance_report
from incident_hub.services.reviews.queries import get_review
from incident_hub.services.visibility import get_visible_incident

Render = Callable[[str, dict[str, Any]], str]
PRINT_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "print.css"


@dataclass(frozen=True)
class Stamp:
    """Printed on every page: who, when, and the audit chain head at that moment."""

    generated_by: str
    generated_at: str
    audit_head_seq: int
    audit_head_hash: str


def stamp(principal: Principal) -> Stamp:
    head = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    return Stamp(principal.username, to_iso(now()) or "", head.seq, head.hash)


def incident_report(principal: Principal, incident_id: int) -> dict[str, Any]:
    """Facts, classification with each criterion, routing with rule and basis, timeline, actions,
    assessment summary and review — what `principal` may see of them."""
    inc = get_visible_incident(principal, incident_id)
    view = incident_view(inc, principal)
    actions = incident_actions(principal, inc.id)
    names = usernames(actions)
    rows, _ = list_assessments(principal, AssessmentFilter(incident_id=inc.id), 1, 50, "id")
    return {
        "incident": view,
        "criteria": criteria_rows(view["classification"]["hybrid_criteria"], inc.vectors, inc.effects, inc.deliberate),
        "events": [event_view(e) for e in timeline(principal, inc.id)],
        "actions": [action_view(a, names=names) for a in actions],
        "assessments": [summary_view(a, v) for a, v in rows],
        "review": get_review(principal, inc.id),
    }


def assessment_report(principal: Principal, assessment_id: int) -> dict[str, Any]:
    """The current version: matrix, threats, measures, residual risk, sign-offs, version."""
    a = get_visible_assessment(principal, assessment_id)
    return {"a": assessment_view(a, get_version(a), principal)}


def review_report(principal: Principal, incident_id: int) -> dict[str, Any]:
    inc = get_visible_incident(principal, incident_id)
    return {"incident": incident_view(inc, principal), "review": get_review(principal, inc.id)}


def governance_document(start: Any, end: Any) -> dict[str, Any]:
    """Aggregates only (para 6): the same figures as the JSON report."""
    return {"report": governance_report(start, end)}


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """HTML and the print stylesheet to PDF (503 when WeasyPrint's system libraries are missing)."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: Pango/cairo not installed
        raise Unavailable(Text(N_("PDF rendering is not available on this server (WeasyPrint and Pango)."))) from exc
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])  # type: ignore[no-any-return]


def build_pdf(
    principal: Principal, template: str, content: dict[str, Any], render: Render, title: str
) -> tuple[bytes, Stamp]:
    """The document: content, stamp and title through `template`, rendered to PDF."""
    s = stamp(principal)
    html = render(template, {**content, "stamp": asdict(s), "doc_title": title})
    return render_pdf(html), s
