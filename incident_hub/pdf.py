"""PDF answers for the API and the pages (issue 17): the content and the stamp come from
services/reporting/documents.py under need to know; this renders the Jinja template (a Flask
concern kept out of the services) and wraps the bytes in a download response."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, render_template, request

from incident_hub.auth import current_principal
from incident_hub.domain.access import Principal
from incident_hub.domain.risk import LABELS
from incident_hub.i18n import translated
from incident_hub.runtime import risk_matrix
from incident_hub.services.reporting import documents

PDF = "application/pdf"


@dataclass(frozen=True)
class Document:
    template: str
    title: Callable[[dict[str, Any]], str]
    filename: str


DOCUMENTS = {
    "incident": Document(
        "documents/incident.html", lambda c: f"Incident report {c['incident']['id']}", "incident-{}.pdf"
    ),
    "assessment": Document("documents/assessment.html", lambda c: _assessment_title(c["a"]), "assessment-{}.pdf"),
    "review": Document(
        "documents/review.html",
        lambda c: f"Post-incident review: incident {c['incident']['id']}",
        "incident-{}-review.pdf",
    ),
    "governance": Document(
        "documents/governance.html",
        lambda c: "Governance report — hybrid cyber-attack coordination",
        "governance-report.pdf",
    ),
}


def _assessment_title(a: dict[str, Any]) -> str:
    kind = "Joint security risk assessment" if a["joint"] else "Risk assessment"
    return f"{kind} {a['id']}"


PDF_DOC = {"responses": {"200": {"description": "The document as PDF", "content": {PDF: {}}}}}


def wants_pdf() -> bool:
    """`?format=pdf`, or `Accept: application/pdf` preferred over JSON."""
    if request.args.get("format") == "pdf":
        return True
    best = request.accept_mimetypes.best_match([PDF, "application/json", "text/html"])
    return best == PDF and request.accept_mimetypes[PDF] > request.accept_mimetypes["application/json"]


def _assessment_extras(content: dict[str, Any]) -> dict[str, Any]:
    cells: dict[tuple[int, int], int] = {}
    for t in content["a"]["threats"]:
        if not t["restricted"]:
            cells[(t["likelihood"], t["impact"])] = cells.get((t["likelihood"], t["impact"]), 0) + 1
    return {"matrix": risk_matrix().rows(), "cells": cells, "labels": translated(LABELS)}


def content_of(kind: str, principal: Principal, key: Any) -> dict[str, Any]:
    if kind == "incident":
        return documents.incident_report(principal, key)
    if kind == "assessment":
        content = documents.assessment_report(principal, key)
        return {**content, **_assessment_extras(content)}
    if kind == "review":
        return documents.review_report(principal, key)
    start, end = key
    return documents.governance_document(start, end)


def pdf_response(kind: str, key: Any = None, inline: bool = False) -> Response:
    principal = current_principal()
    doc = DOCUMENTS[kind]
    content = content_of(kind, principal, key)

    def render(template: str, context: dict[str, Any]) -> str:
        return render_template(template, **context)

    data, stamp = documents.build_pdf(principal, doc.template, content, render, doc.title(content))
    name = doc.filename.format(key if not isinstance(key, tuple) else "")
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        mimetype=PDF,
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "X-Audit-Head-Hash": stamp.audit_head_hash,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
