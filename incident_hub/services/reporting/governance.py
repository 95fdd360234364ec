"""The governance report (A/77/88/Add.1 Recommendation 1, para 6; DOMAIN.md "Dashboards and reports").

Aggregates only: counts by category (vectors, effects), routing rule, severity, lead unit and
status; hybrid incidents; time-to figures; action completion; risk levels. It never selects a
title, description, location, detection field, source name or any single incident, so nothing
sensitive (detection details, indicators, TLP:RED / AMBER+STRICT incidents) can appear in it.
The only columns read are the enumerated ones in `_grouped` and timestamps inside aggregates.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from incident_hub.clock import utcnow
from incident_hub.domain.audit_chain import iso_utc
from incident_hub.domain.facts import EFFECTS, SEVERITIES, VECTORS
from incident_hub.domain.lifecycle import ACTION_STATUSES, CLOSED_ACTION_STATUSES, INCIDENT_STATUSES
from incident_hub.domain.risk import LEVELS
from incident_hub.extensions import db
from incident_hub.models import Action, Incident
from incident_hub.runtime import units
from incident_hub.services.reporting import dashboard as d

RULES = ("R1", "R2", "R3", "R4", "R5")
RISK_LEVELS = LEVELS


def _grouped(s: Session, column: Any, p: d.Period, keys: tuple[str, ...] | list[str]) -> dict[str, int]:
    out = dict.fromkeys(keys, 0)
    for key, n in s.execute(select(column, func.count()).where(*d._created_in(p)).group_by(column)):
        out[str(key)] = n
    return out


def _json_list_counts(s: Session, column: Any, p: d.Period, names: tuple[str, ...]) -> dict[str, int]:
    """How many incidents list each name in a JSON list column (one pass, one filtered count per name)."""
    text = cast(column, String)
    counts = s.execute(
        select(*(func.count().filter(text.like(f'%"{name}"%')) for name in names)).where(*d._created_in(p))
    ).one()
    return dict(zip(names, counts, strict=True))


def incidents_section(s: Session, p: d.Period) -> dict[str, Any]:
    by_status = _grouped(s, Incident.status, p, INCIDENT_STATUSES)
    return {
        "total": sum(by_status.values()),
        "by_vector": _json_list_counts(s, Incident.vectors, p, VECTORS),
        "by_effect": _json_list_counts(s, Incident.effects, p, EFFECTS),
        "by_rule": _grouped(s, Incident.rule, p, RULES),
        "by_severity": _grouped(s, Incident.severity, p, SEVERITIES),
        "by_lead_unit": _grouped(s, Incident.lead_unit, p, units().codes()),
        "by_status": by_status,
    }


def actions_section(s: Session, p: d.Period, now: datetime) -> dict[str, Any]:
    in_period = (Action.created_at >= p.start, Action.created_at < p.end)
    total, done, on_time, overdue = s.execute(
        select(
            func.count(),
            func.count().filter(Action.status == "done"),
            func.count().filter(
                Action.status == "done", Action.due_at.is_not(None), Action.completed_at <= Action.due_at
            ),
            func.count().filter(Action.status.not_in(CLOSED_ACTION_STATUSES), Action.due_at < now),
        ).where(*in_period)
    ).one()
    by_status = dict.fromkeys(ACTION_STATUSES, 0)
    for status, n in s.execute(select(Action.status, func.count()).where(*in_period).group_by(Action.status)):
        by_status[status] = n
    return {
        "total": total,
        "by_status": by_status,
        "completed": done,
        "completed_on_time": on_time,
        "completion_rate": round(done / total, 4) if total else None,
        "overdue_open": overdue,
    }


def risk_levels(s: Session, p: d.Period) -> dict[str, int]:
    """Current threats by SRM level (their stored levels; the heat-map counts the same threats)."""
    return {**dict.fromkeys(RISK_LEVELS, 0), **d.threat_levels(s, p)}


def governance_report(start: datetime | None, end: datetime | None) -> dict[str, Any]:
    now = utcnow()
    p = d.Period.of(None, start, end, now)
    d.check_period(p)
    s = db.session()
    hybrid = d.hybrid(s, p)
    return {
        "report": "governance",
        "basis": "A/77/88/Add.1 Recommendation 1, para 6",
        "period": {"from": iso_utc(p.start), "to": iso_utc(p.end)},
        "generated_at": iso_utc(now),
        "incidents": incidents_section(s, p),
        "hybrid": {"count": hybrid["count"], "open": hybrid["open"]},
        "times": d.times(s, p),
        "actions": actions_section(s, p, now),
        "risk_levels": risk_levels(s, p),
    }


def flatten(report: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """("incidents.by_rule.R3", 4) rows, for CSV and the HTML tables."""
    rows: list[tuple[str, Any]] = []
    for key, value in report.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            rows.extend(flatten(value, name))
        else:
            rows.append((name, value))
    return rows


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "value"])
    for name, value in flatten(report):
        writer.writerow([name, "" if value is None else value])
    return out.getvalue()
