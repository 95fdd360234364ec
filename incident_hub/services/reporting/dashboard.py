"""Manager dashboard figures (DOMAIN.md "Dashboards and reports"; API.md "Dashboard").

Every figure is an SQL aggregate (GROUP BY, percentile_cont on PostgreSQL, a per-minute
histogram on SQLite): no incident or action row is ever loaded into Python. Figures are cached
in-process for a few seconds per parameter set (`DashboardCache`), so a manager polling the
page cannot starve intake of database time.

Period semantics: `open_incidents` and overdue actions are the current state; everything else
counts incidents/actions created (trend: opened/resolved) in [from, to). `unit` filters incidents
by lead unit and actions by owner unit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cachetools import TTLCache
from sqlalchemy import ColumnElement, Date, Integer, case, cast, func, select
from sqlalchemy.orm import Session

from incident_hub.clock import utcnow
from incident_hub.domain.facts import SEVERITIES
from incident_hub.domain.lifecycle import ACTION_STATUSES, CLOSED_ACTION_STATUSES
from incident_hub.domain.lifecycle import OPEN_INCIDENT_STATUSES as OPEN
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import ValidationError
from incident_hub.extensions import db
from incident_hub.models import Action, Assessment, AssessmentVersion, Incident, Review, ReviewFinding, Threat
from incident_hub.runtime import risk_matrix, runtime, settings, units

DEFAULT_DAYS = 30
MAX_DAYS = 366
HISTOGRAM_BUCKET_SECONDS = 60
TIME_STAMPS = {"acknowledge": "acknowledged_at", "contain": "contained_at", "resolve": "resolved_at"}


@dataclass(frozen=True)
class Period:
    """A dashboard query: optional unit, [start, end) in UTC."""

    unit: str | None
    start: datetime
    end: datetime

    @classmethod
    def of(cls, unit: str | None, start: datetime | None, end: datetime | None, now: datetime) -> Period:
        end = end or now
        start = start or end - timedelta(days=DEFAULT_DAYS)
        return cls(unit or None, start, end)

    def key(self) -> tuple[Any, ...]:
        return (self.unit, self.start.isoformat(), self.end.isoformat())


def _zeros(keys: tuple[str, ...] | list[str]) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


def unit_is(column: Any, unit: str) -> ColumnElement[bool]:
    """`column = unit` that no planner takes as the way in: SQLite would otherwise pick the
    (unit, status) index and visit every row of the unit instead of the period's rows."""
    return func.coalesce(column, "") == unit


def _incident_scope(p: Period) -> list[ColumnElement[bool]]:
    return [unit_is(Incident.lead_unit, p.unit)] if p.unit else []


def _created_in(p: Period) -> list[ColumnElement[bool]]:
    return [Incident.created_at >= p.start, Incident.created_at < p.end, *_incident_scope(p)]


def open_incidents(s: Session, p: Period, codes: list[str]) -> dict[str, Any]:
    """One GROUP BY (lead, severity, status) over open incidents; the three breakdowns are sums of it."""
    rows = s.execute(
        select(Incident.lead_unit, Incident.severity, Incident.status, func.count())
        .where(Incident.status.in_(OPEN), *_incident_scope(p))
        .group_by(Incident.lead_unit, Incident.severity, Incident.status)
    ).all()
    by_lead, by_severity, by_status = _zeros(codes), _zeros(SEVERITIES), _zeros(OPEN)
    for lead, severity, status, n in rows:
        by_lead[lead] = by_lead.get(lead, 0) + n
        by_severity[severity] = by_severity.get(severity, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    return {"total": sum(by_status.values()), "by_lead": by_lead, "by_severity": by_severity, "by_status": by_status}


def time_to_joint_assessment(s: Session, p: Period) -> int | None:
    """Median seconds from an R3 incident's creation (in the period) to its joint assessment being
    signed by every required unit (`assessments.first_signed_at`, issue 5 note); unsigned ones are left out."""
    duration = _seconds(s, Assessment.first_signed_at, Incident.created_at)
    where = [Assessment.auto_for_incident_id.is_not(None), Assessment.first_signed_at.is_not(None), *_created_in(p)]
    base = select().select_from(Assessment).join(Incident, Incident.id == Assessment.auto_for_incident_id)
    if s.get_bind().dialect.name == "postgresql":
        median = func.percentile_cont(0.5).within_group(duration)
        return _round(s.execute(base.add_columns(median).where(*where)).scalar())
    bucket = cast(duration / HISTOGRAM_BUCKET_SECONDS, Integer)
    rows = s.execute(base.add_columns(bucket, func.count()).where(*where).group_by(bucket).order_by(bucket)).all()
    return _percentile_from_histogram([(b, n) for b, n in rows], 0.5)


def hybrid(s: Session, p: Period) -> dict[str, Any]:
    count, still_open = s.execute(
        select(func.count(), func.count().filter(Incident.status.in_(OPEN))).where(
            Incident.hybrid.is_(True), *_created_in(p)
        )
    ).one()
    return {
        "count": count,
        "open": still_open,
        "median_time_to_joint_assessment_seconds": time_to_joint_assessment(s, p),
    }


def actions(s: Session, p: Period, now: datetime) -> dict[str, Any]:
    scope = [unit_is(Action.owner_unit, p.unit)] if p.unit else []
    by_status = _zeros(ACTION_STATUSES)
    for status, n in s.execute(
        select(Action.status, func.count())
        .where(Action.created_at >= p.start, Action.created_at < p.end, *scope)
        .group_by(Action.status)
    ):
        by_status[status] = n
    open_statuses = [x for x in ACTION_STATUSES if x not in CLOSED_ACTION_STATUSES]
    overdue = {
        unit: n
        for unit, n in s.execute(
            select(Action.owner_unit, func.count())
            .where(Action.status.in_(open_statuses), Action.due_at < now, *scope)
            .group_by(Action.owner_unit)
        )
    }
    return {"by_status": by_status, "overdue_by_unit": overdue, "overdue_total": sum(overdue.values())}


def _current_threats(p: Period, *columns: Any) -> Any:
    """SELECT columns FROM threats of current (unfrozen) versions; with a unit, only those of
    assessments of incidents it leads (a subject-only assessment has no lead unit)."""
    q = (
        select(*columns)
        .select_from(Threat)
        .join(AssessmentVersion, AssessmentVersion.id == Threat.version_id)
        .where(AssessmentVersion.frozen_at.is_(None))
    )
    if p.unit:
        q = q.join(Assessment, Assessment.id == AssessmentVersion.assessment_id).join(
            Incident, Incident.id == Assessment.incident_id
        )
        q = q.where(unit_is(Incident.lead_unit, p.unit))
    return q


def threat_counts(s: Session, p: Period) -> list[list[int]]:
    """5×5 counts of current threats, [likelihood-1][impact-1]: one GROUP BY likelihood, impact."""
    counts = [[0] * 5 for _ in range(5)]
    q = _current_threats(p, Threat.likelihood, Threat.impact, func.count()).group_by(Threat.likelihood, Threat.impact)
    for likelihood, impact, n in s.execute(q):
        counts[likelihood - 1][impact - 1] = n
    return counts


def threat_levels(s: Session, p: Period) -> dict[str, int]:
    """Current threats by their stored SRM level (levels as computed when each threat was written)."""
    q = _current_threats(p, Threat.risk_level, func.count()).group_by(Threat.risk_level)
    return {level: n for level, n in s.execute(q)}


def reviews_due(s: Session, p: Period, now: datetime) -> int:
    """Current versions whose review date has passed (DOMAIN.md: reassess when due)."""
    q = (
        select(func.count())
        .select_from(AssessmentVersion)
        .where(AssessmentVersion.frozen_at.is_(None), AssessmentVersion.review_due_at <= now)
    )
    if p.unit:
        q = q.join(Assessment, Assessment.id == AssessmentVersion.assessment_id).join(
            Incident, Incident.id == Assessment.incident_id
        )
        q = q.where(unit_is(Incident.lead_unit, p.unit))
    return int(s.execute(q).scalar_one())


def risk_heatmap(s: Session, p: Period, now: datetime) -> dict[str, Any]:
    """Current state (not the period): the heat-map, the configured matrix (domain/risk.py plus
    config overrides), and the count of assessments due for review."""
    counts = threat_counts(s, p)
    matrix = risk_matrix()
    return {
        "likelihood": [1, 2, 3, 4, 5],
        "impact": [1, 2, 3, 4, 5],
        "counts": counts,
        "levels": [[matrix.level(lk, im) for im in range(1, 6)] for lk in range(1, 6)],
        "total": sum(map(sum, counts)),
        "review_due": reviews_due(s, p, now),
    }


def _seconds(s: Session, later: Any, earlier: Any) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _percentile_from_histogram(rows: list[tuple[int, int]], q: float) -> int | None:
    """rows: (bucket, count) sorted by bucket; the value at quantile q, interpolated inside the bucket."""
    total = sum(n for _, n in rows)
    if not total:
        return None
    rank, seen = q * total, 0
    for bucket, n in rows:
        if seen + n >= rank:
            inside = (rank - seen) / n if n else 0
            return round((bucket + inside) * HISTOGRAM_BUCKET_SECONDS)
        seen += n
    return round((rows[-1][0] + 1) * HISTOGRAM_BUCKET_SECONDS)


def _pg_times(s: Session, p: Period) -> dict[str, Any]:
    """One scan: percentile_cont per stamp, each FILTERed to the incidents that reached it."""
    columns = []
    for column in TIME_STAMPS.values():
        stamp = getattr(Incident, column)
        duration = _seconds(s, stamp, Incident.created_at)
        has = stamp.is_not(None)
        columns += [
            func.percentile_cont(0.5).within_group(duration).filter(has),
            func.percentile_cont(0.9).within_group(duration).filter(has),
            func.count(stamp),
        ]
    row = s.execute(select(*columns).where(*_created_in(p))).one()
    out = {}
    for k, name in enumerate(TIME_STAMPS):
        median, p90, n = row[3 * k : 3 * k + 3]
        out[name] = {"median_seconds": _round(median), "p90_seconds": _round(p90), "count": n}
    return out


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)


def _histogram_percentiles(s: Session, stamp: Any, p: Period) -> dict[str, int | None]:
    """Portable: durations grouped into one-minute buckets in SQL, percentiles read off the buckets."""
    duration = _seconds(s, stamp, Incident.created_at)
    bucket = cast(duration / HISTOGRAM_BUCKET_SECONDS, Integer)
    where = [stamp.is_not(None), *_created_in(p)]
    rows = [(b, n) for b, n in s.execute(select(bucket, func.count()).where(*where).group_by(bucket).order_by(bucket))]
    return {
        "median_seconds": _percentile_from_histogram(rows, 0.5),
        "p90_seconds": _percentile_from_histogram(rows, 0.9),
        "count": sum(n for _, n in rows),
    }


def times(s: Session, p: Period) -> dict[str, Any]:
    if s.get_bind().dialect.name == "postgresql":
        return _pg_times(s, p)
    return {name: _histogram_percentiles(s, getattr(Incident, column), p) for name, column in TIME_STAMPS.items()}


def _day(s: Session, column: Any) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        return cast(column, Date)
    return func.date(column)


def _per_day(s: Session, column: Any, where: list[Any]) -> dict[str, int]:
    day = _day(s, column)
    return {str(d): n for d, n in s.execute(select(day, func.count()).where(*where).group_by(day))}


def trend(s: Session, p: Period) -> list[dict[str, Any]]:
    scope = _incident_scope(p)
    opened = _per_day(s, Incident.created_at, [Incident.created_at >= p.start, Incident.created_at < p.end, *scope])
    resolved = _per_day(
        s, Incident.resolved_at, [Incident.resolved_at >= p.start, Incident.resolved_at < p.end, *scope]
    )
    days: list[dict[str, Any]] = []
    day: date = p.start.date()
    last = (p.end - timedelta(microseconds=1)).date()
    while day <= last:
        key = day.isoformat()
        days.append({"date": key, "opened": opened.get(key, 0), "resolved": resolved.get(key, 0)})
        day += timedelta(days=1)
    return days


def _median_seconds(s: Session, duration: Any, base: Any, where: list[Any]) -> int | None:
    if s.get_bind().dialect.name == "postgresql":
        return _round(
            s.execute(base.add_columns(func.percentile_cont(0.5).within_group(duration)).where(*where)).scalar()
        )
    bucket = cast(duration / HISTOGRAM_BUCKET_SECONDS, Integer)
    rows = s.execute(base.add_columns(bucket, func.count()).where(*where).group_by(bucket).order_by(bucket)).all()
    return _percentile_from_histogram([(b, n) for b, n in rows], 0.5)


def reviews(s: Session, p: Period) -> dict[str, Any]:
    """Post-incident reviews (issue 17): `pending` now (resolved or closed incidents of a severity
    that needs a review, without a signed one); findings of reviews started in the period by the
    state of their prevention action; median time from resolve to the review's last sign-off."""
    scope = _incident_scope(p)
    signed = select(Review.id).where(Review.incident_id == Incident.id, Review.status == "signed").exists()
    pending = s.execute(
        select(func.count()).where(
            Incident.status.in_(("resolved", "closed")),
            Incident.severity.in_(settings().review_required_severities),
            ~signed,
            *scope,
        )
    ).scalar_one()
    state = case(
        (ReviewFinding.action_id.is_(None), "untracked"),
        (Action.status == "done", "done"),
        (Action.status == "cancelled", "cancelled"),
        else_="open",
    )
    findings = {"open": 0, "done": 0, "untracked": 0, "cancelled": 0}
    q = (
        select(state, func.count())
        .select_from(ReviewFinding)
        .join(Review, Review.id == ReviewFinding.review_id)
        .join(Incident, Incident.id == Review.incident_id)
        .outerjoin(Action, Action.id == ReviewFinding.action_id)
        .where(Review.created_at >= p.start, Review.created_at < p.end, *scope)
        .group_by(state)
    )
    for key, n in s.execute(q):
        findings[key] = n
    base = select().select_from(Review).join(Incident, Incident.id == Review.incident_id)
    where = [Review.signed_at.is_not(None), Incident.resolved_at.is_not(None), Review.signed_at >= p.start]
    where += [Review.signed_at < p.end, *scope]
    median = _median_seconds(s, _seconds(s, Review.signed_at, Incident.resolved_at), base, where)
    return {"pending": pending, "findings": findings, "median_time_resolve_to_review_seconds": median}


def compute(s: Session, p: Period, now: datetime, codes: list[str]) -> dict[str, Any]:
    """Exactly the keys of API.md "Dashboard"."""
    return {
        "open_incidents": open_incidents(s, p, codes),
        "hybrid": hybrid(s, p),
        "actions": actions(s, p, now),
        "risk_heatmap": risk_heatmap(s, p, now),
        "times": times(s, p),
        "trend": trend(s, p),
        "reviews": reviews(s, p),
    }


def check_period(p: Period) -> None:
    if p.end <= p.start or p.end - p.start > timedelta(days=MAX_DAYS):
        raise ValidationError.for_fields(
            {"from": [Text(N_("the period must be up to %(n)s days, and from before to"), n=MAX_DAYS)]}
        )


def dashboard(unit: str | None, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """The figures for a unit and period, cached per parameter set (see module docstring)."""
    codes = units().codes()
    if unit and unit not in codes:
        raise ValidationError.for_fields({"unit": [Text(N_("unknown unit %(unit)s"), unit=repr(unit))]})
    now = utcnow()
    period = Period.of(unit, start, end, now)
    check_period(period)
    cache: DashboardCache = runtime().caches["dashboard"]
    key = (unit, start and start.isoformat(), end and end.isoformat())
    return cache.get(key, lambda: compute(db.session(), period, now, codes))


class DashboardCache:
    """Computed figures per parameter set, kept `ttl` seconds in this process (0 disables)."""

    def __init__(self, ttl: float, maxsize: int = 256):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._items: TTLCache[tuple[Any, ...], dict[str, Any]] | None = TTLCache(maxsize, ttl) if ttl > 0 else None

    def get(self, key: tuple[Any, ...], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if self._items is None:
            return build()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None:
            return hit
        value = build()
        with self._lock:
            self._items[key] = value
        return value
