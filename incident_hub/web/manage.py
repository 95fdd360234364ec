"""Manager pages: `/dashboard`, `/reports/governance`, `/audit` (DOMAIN.md "Dashboards and reports")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from flask.typing import ResponseReturnValue

from incident_hub.auth import require_roles
from incident_hub.domain.access import ADMIN, MANAGER
from incident_hub.errors import ValidationError
from incident_hub.runtime import units
from incident_hub.services.admin.audit import AuditFilter, list_entries
from incident_hub.services.reporting import governance as report_svc
from incident_hub.services.reporting.dashboard import dashboard as dashboard_figures
from incident_hub.web.blueprint import bp
from incident_hub.web.support import int_arg, query_without


def _day(name: str, end: bool = False) -> datetime | None:
    """A `YYYY-MM-DD` query argument as a UTC instant (`to` days are inclusive)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
    except (ValueError, OverflowError):  # OverflowError: the day after 9999-12-31
        raise ValidationError.for_fields({name: ["use YYYY-MM-DD"]})
    return datetime.combine(day, time.min, tzinfo=UTC)


@bp.get("/dashboard")
@require_roles(MANAGER, ADMIN)
def dashboard() -> ResponseReturnValue:
    unit = request.args.get("unit") or None
    figures = dashboard_figures(unit, _day("from"), _day("to", end=True))
    return render_template("manage/dashboard.html", d=figures, units=units().codes(), unit=unit, args=request.args)


@bp.get("/reports/governance")
@require_roles(MANAGER, ADMIN)
def governance_report() -> ResponseReturnValue:
    start, end = _day("from"), _day("to", end=True)
    report = report_svc.governance_report(start, end)
    api_args = {k: v.isoformat().replace("+00:00", "Z") for k, v in (("from", start), ("to", end)) if v}
    return render_template("manage/governance.html", report=report, rows=report_svc.flatten(report), api_args=api_args)


@bp.get("/audit")
@require_roles(MANAGER, ADMIN)
def audit() -> ResponseReturnValue:
    arg = request.args.get
    f = AuditFilter(
        actor=arg("actor") or None,
        action=arg("action") or None,
        object_type=arg("object_type") or None,
        object_id=arg("object_id") or None,
    )
    page = int_arg("page", 1)
    rows, total = list_entries(f, page, 50)
    pages = max(1, -(-total // 50))
    if page > pages:  # past the end: the last page
        page = pages
        rows, total = list_entries(f, page, 50)
    return render_template(
        "manage/audit.html", rows=rows, total=total, page=page, pages=pages, args=query_without("page"), f=f
    )
