"""Reading incidents under need to know: DSS officers see only incidents their unit takes part
in (others are 404) and never the detection fields (para 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Subquery, and_, exists, select

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal, sees_all_incidents, sees_detection
from incident_hub.domain.evidence import search_forms
from incident_hub.domain.lifecycle import INCIDENT_STATUSES
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import Incident, IncidentTechnique, IncidentUnit, Observable, TimelineEvent
from incident_hub.runtime import units
from incident_hub.services.incidents.search import (
    RELEVANCE,
    ids_and_ranks,
    matches,
    ranked_at_once,
    ranked_page,
    terms,
)
from incident_hub.services.listing import (
    Keyset,
    LongPage,
    SortKey,
    Total,
    capped_count,
    exact_count,
    exact_total_max,
    far_more,
    keyset_page,
    planned_rows,
    total_of,
)
from incident_hub.services.visibility import get_visible_incident, incident_seen, visible_incidents

SORTABLE = ("created_at", "updated_at", "severity", "status", "title", "id", "occurred_at")


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    lead_unit: str | None = None
    severity: str | None = None
    hybrid: bool | None = None
    rule: str | None = None
    q: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    hybrid_unknown: bool = False  # hybrid is null: some criterion unknown, none not met
    observable: str | None = None  # an observable's value, exact after normalisation (issue 16)
    technique: str | None = None  # an ATT&CK technique id


def _evidence_filters(q: Select[tuple[Incident]], f: IncidentFilter, principal: Principal) -> Select[tuple[Incident]]:
    """`observable` and `technique` (issue 16); a detection observable matches only for the cyber-cleared."""
    if f.observable:
        match = and_(Observable.incident_id == Incident.id, Observable.value.in_(search_forms(f.observable)))
        if not sees_detection(principal, units()):
            match = and_(match, Observable.detection.is_(False))
        q = q.where(exists().where(match))
    if f.technique:
        tid = f.technique.strip().upper()
        q = q.where(exists().where(IncidentTechnique.incident_id == Incident.id, IncidentTechnique.technique_id == tid))
    return q


def _apply(q: Select[tuple[Incident]], f: IncidentFilter) -> Select[tuple[Incident]]:
    for column, value in (
        (Incident.status, f.status),
        (Incident.lead_unit, f.lead_unit),
        (Incident.severity, f.severity),
        (Incident.hybrid, f.hybrid),
        (Incident.rule, f.rule),
    ):
        if value is not None:
            q = q.where(column == value)
    if f.hybrid_unknown:
        q = q.where(Incident.hybrid.is_(None))
    if f.created_after is not None:
        q = q.where(Incident.created_at >= f.created_after)
    if f.created_before is not None:
        q = q.where(Incident.created_at < f.created_before)
    return q


IncidentPage = LongPage[Incident]


# Each sort as a keyset: the column it orders by, what kind of value its cursor holds, and how a
# row gives that value. Severity and status sort in their own order (low → critical, new →
# closed), not by name, through their rank columns.
_KEYS: dict[str, SortKey] = {
    "created_at": SortKey(Incident.created_at, "time", lambda i: i.created_at),
    "updated_at": SortKey(Incident.updated_at, "time", lambda i: i.updated_at),
    "occurred_at": SortKey(Incident.occurred_at, "time", lambda i: i.occurred_at, nullable=True),
    "severity": SortKey(Incident.severity_rank, "int", lambda i: i.severity_rank),
    "status": SortKey(Incident.status_rank, "int", lambda i: INCIDENT_STATUSES.index(i.status)),
    "title": SortKey(Incident.title, "str", lambda i: i.title),
    "id": SortKey(Incident.id, "int", lambda i: i.id),
}


def keyset(sort: str) -> Keyset:
    return Keyset.of(sort, _KEYS, Incident.id)


def filtered_incidents(
    principal: Principal, f: IncidentFilter, whole: bool = False
) -> tuple[Select[tuple[Incident]], Subquery | None]:
    """What `principal` may see of `f`, and the full-text matches of `f.q` it is joined to (if any;
    `whole`: every word of it whole, search.matches)."""
    q = _evidence_filters(_apply(visible_incidents(principal), f), f, principal)
    detection = sees_detection(principal, units())
    found = matches(db.session.get_bind().dialect.name, f.q, detection, whole) if f.q else None
    if f.q and found is None:  # no word at all (e.g. "%"): the title holds it literally
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(Incident.title.ilike(like, escape="\\"))
    elif found is not None:
        q = q.join(found, found.c.incident_id == Incident.id)
    return q, found


def _total(principal: Principal, f: IncidentFilter, q: Select[Any], found: Subquery | None) -> Total:
    sees_all = sees_all_incidents(principal, units())
    if f == IncidentFilter() and not sees_all:
        # One row per (incident, unit): the need-to-know index alone answers the unfiltered count.
        q = select(IncidentUnit.incident_id).where(IncidentUnit.unit == principal.unit)
        return total_of(q, IncidentUnit.incident_id)
    if found is not None and _words_only(principal, f):
        # Only words, for someone who sees every incident: the search table alone answers.
        return total_of(select(found.c.incident_id), found.c.incident_id, sure=True)
    return total_of(q, Incident.id)


def _words_only(principal: Principal, f: IncidentFilter) -> bool:
    return f == IncidentFilter(q=f.q) and sees_all_incidents(principal, units())


def _matches_seen(principal: Principal, f: IncidentFilter, q: Select[Any], found: Subquery) -> Select[Any]:
    """(id, rank) of the matches of `q` that `principal` may see. With no filter but the words, the
    search table alone answers, need to know checked on its incident id: joining the incidents
    probed their primary key once per match (a third of a multi-word search's time at 1M)."""
    if f != IncidentFilter(q=f.q):
        return ids_and_ranks(q, found)
    seen = incident_seen(principal, found.c.incident_id)
    return select(found.c.incident_id.label("id"), found.c.rank.label("rank")).where(seen)


def _counted_first(principal: Principal, f: IncidentFilter, matched: Select[Any], cap: int) -> Total | None:
    """The estimate of a search PostgreSQL's planner expects to match more than `cap`, once known
    to (None otherwise: ranked at once, and always on SQLite). Ranking at once would read and
    number `cap` + 1 matches only to learn there are more; instead:

    - words only, far more expected: the planner's estimate (as `_total`);
    - two words or more: a count of the matches with the last word whole too, a subset of them
      that the index finds without gathering the prefix's words (half the cost);
    - one word far more expected, under need to know or filters (they may skew the estimate):
      the capped count of the matches."""
    expected = planned_rows(matched)
    if expected is None or expected <= cap:
        return None
    if far_more(expected, cap) and _words_only(principal, f):
        return Total(expected, is_estimate=True)
    if len(terms(f.q or "")) > 1:
        proof = _whole_word_matches(principal, f)
    else:
        proof = matched if far_more(expected, cap) else None
    if proof is None or capped_count(proof, cap) <= cap:
        return None
    return Total(expected, is_estimate=True)


def _whole_word_matches(principal: Principal, f: IncidentFilter) -> Select[Any] | None:
    q, found = filtered_incidents(principal, f, whole=True)
    return None if found is None else _matches_seen(principal, f, q, found)


def exact_total(principal: Principal, f: IncidentFilter) -> int:
    """Every match counted, however many (only where the real last page is needed)."""
    q, _ = filtered_incidents(principal, f)
    return exact_count(q)


def list_incidents(
    principal: Principal,
    f: IncidentFilter,
    page: int,
    per_page: int,
    sort: str = "-created_at",
    after: str | None = None,
) -> IncidentPage:
    """One page of what `principal` may see (by page number, or right after the cursor `after`),
    the total of that only (an estimate past the setting's threshold), and the next page's cursor.

    With `q`, only the incidents the full-text search matches (services/incidents/search.py), and
    `sort="relevance"` ranks the newest matches best match first (search.RANKED_WINDOW says how many)."""
    q, found = filtered_incidents(principal, f)
    if sort == RELEVANCE and found is not None:
        return _relevance_page(principal, f, q, found, per_page, (page - 1) * per_page, after)
    total = _total(principal, f, q, found)
    key = keyset("-created_at" if sort == RELEVANCE else sort)
    rows, cursor = keyset_page(q, key, after, page, per_page)
    return IncidentPage(rows, total, cursor)


def _relevance_page(
    principal: Principal,
    f: IncidentFilter,
    q: Select[tuple[Incident]],
    found: Subquery,
    per_page: int,
    offset: int,
    after: str | None,
) -> IncidentPage:
    """A search page best match first: at once when the matches are few enough to count (the
    usual case), else by the estimate and the walk of the newest incidents."""
    total: Total | None = None
    if not after:
        cap = exact_total_max()
        matched = _matches_seen(principal, f, q, found)
        total = _counted_first(principal, f, matched, cap)
        if total is None:
            at_once = ranked_at_once(q, matched, cap, per_page, offset)
            if not isinstance(at_once, Total):
                return IncidentPage(*at_once)
            total = at_once
    total = total or _total(principal, f, q, found)
    rows, cursor = ranked_page(q, found, total, per_page, offset=offset, after=after)
    return IncidentPage(rows, total, cursor)


def timeline(principal: Principal, incident_id: int) -> list[TimelineEvent]:
    incident = get_visible_incident(principal, incident_id)
    return list(
        db.session.execute(
            select(TimelineEvent).where(TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.id)
        ).scalars()
    )


def timeline_event(principal: Principal, incident_id: int, event_id: int) -> TimelineEvent:
    incident = get_visible_incident(principal, incident_id)
    event = db.session.get(TimelineEvent, event_id)
    if event is None or event.incident_id != incident.id:
        raise NotFound(
            Text(N_("No timeline event %(id)s on incident %(incident)s."), id=event_id, incident=incident_id)
        )
    return event


def incident_snapshot(incident: Incident) -> dict[str, Any]:
    """Everything about an incident, detection included: for the audit trail, never for a client."""
    return {
        "id": incident.id,
        "title": incident.title,
        "description": incident.description,
        "vectors": list(incident.vectors),
        "effects": list(incident.effects),
        "deliberate": incident.deliberate,
        "severity": incident.severity,
        "location": incident.location,
        "tlp": incident.tlp,
        "occurred_at": to_iso(incident.occurred_at),
        "detection": incident.detection,
        "status": incident.status,
        "classification": {
            "cyber_component": incident.cyber_component,
            "physical_security_effect": incident.physical_security_effect,
            "hybrid": incident.hybrid,
            "hybrid_criteria": dict(incident.hybrid_criteria),
        },
        "routing": {
            "lead_unit": incident.lead_unit,
            "partner_units": list(incident.partner_units),
            "informed_units": list(incident.informed_units),
            "rule": incident.rule,
            "basis": incident.routing_basis,
            "explanation": incident.routing_explanation,
            "overridden": incident.lead_overridden,
        },
        "joint_assessment_due_at": to_iso(incident.joint_assessment_due_at),
        "owner": incident.owner.username if incident.owner is not None else None,
        "created_at": to_iso(incident.created_at),
        "updated_at": to_iso(incident.updated_at),
        "acknowledged_at": to_iso(incident.acknowledged_at),
        "contained_at": to_iso(incident.contained_at),
        "resolved_at": to_iso(incident.resolved_at),
        "closed_at": to_iso(incident.closed_at),
        "resolution_note": incident.resolution_note,
        "closure_override_reason": incident.closure_override_reason,
    }


def incident_view(incident: Incident, principal: Principal) -> dict[str, Any]:
    """What `principal` may see of an incident: detection only for the cyber-cleared."""
    view = incident_snapshot(incident)
    if not sees_detection(principal, units()):
        view.pop("detection")
    return view


def event_view(event: TimelineEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": to_iso(event.at),
        "kind": event.kind,
        "actor": event.actor,
        "body": event.body,
        "data": event.data,
    }
