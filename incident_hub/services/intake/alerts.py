"""The alerts of one accepted delivery, inside its transaction (DOMAIN.md "Intake from monitoring
tools"): a fingerprint already on an open incident attaches to it; a new fingerprint joins the
open incident of its sender group, or opens an incident through `new_incident` with the facts of
the source's mapping rules (domain/alert_mapping.py); a resolved alert is recorded on its
incident's timeline and marks the alert resolved, without closing the incident.

On PostgreSQL, a delivery with firing alerts takes transaction-scoped advisory locks on its
source's group key and fingerprints (hashed into LOCK_BUCKETS buckets per source, so a storm of
500 alerts takes at most 65 locks) in the same statement that stores the delivery
(accept.py, `lock_keys`), before it looks for open alerts, so two concurrent deliveries never
open two incidents for one alert or group; SQLite transactions are IMMEDIATE, so writers are
serialised already.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update

from incident_hub.domain.alert_mapping import detection_of, incident_title, map_alert
from incident_hub.intake.adapters import AlertFacts, ParsedDelivery
from incident_hub.models import Alert, Incident
from incident_hub.services.config_cache import SourceEntry
from incident_hub.services.incidents.commands import new_incident
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork
from incident_hub.services.upsert import multirow_insert

OPEN_STATUSES = ("new", "acknowledged", "contained")


class NewAlert(SimpleNamespace):
    """A row this delivery will insert, with the attributes `_update` sets (a fingerprint may come
    twice in one delivery)."""

    status: str
    annotations: dict[str, str]
    incident_id: int


class OpenAlert(NewAlert):
    """A stored alert of an open incident, read as plain values (no ORM object to track: a repeat
    delivery costs one SELECT and one UPDATE); `changes` are what UPDATE_ALERTS writes back."""

    alert_id: int
    read: dict[str, Any]  # the values as read

    def changes(self) -> dict[str, Any]:
        """Only the columns this delivery changed: a concurrent delivery's write to another column
        of the row (a resolution on PostgreSQL) is not overwritten with what was read before it."""
        return {name: getattr(self, name) for name in WRITTEN if getattr(self, name) != self.read.get(name)}


@dataclass
class Batch:
    """What this delivery found and did, per fingerprint and per incident."""

    by_fingerprint: dict[str, NewAlert] = field(default_factory=dict)
    new: list[NewAlert] = field(default_factory=list)
    seen: dict[int, OpenAlert] = field(default_factory=dict)  # stored alerts this delivery updates
    group_incident: int | None = None
    events: dict[int, Counter[str]] = field(default_factory=dict)
    incidents: list[int] = field(default_factory=list)

    def touch(self, incident_id: int, event: str | None = None) -> None:
        if incident_id not in self.incidents:
            self.incidents.append(incident_id)
        if event:
            self.events.setdefault(incident_id, Counter())[event] += 1


def store_alerts(uow: UnitOfWork, source: SourceEntry, delivery_id: int, parsed: ParsedDelivery) -> list[int]:
    group_key = parsed.group_key if source.mapping.get("group", True) else None
    batch = Batch()
    fingerprints = sorted({a.fingerprint for a in parsed.alerts})
    _load_open(uow, source, fingerprints, group_key, batch)  # after the locks (lock_keys)
    for alert in parsed.alerts:
        _store_one(uow, source, delivery_id, alert, group_key, batch)
    conn = uow.session.connection()
    if batch.new:  # Core, one multi-row INSERT: a storm's 500 rows need no ORM objects
        conn.execute(INSERT_ALERTS, [vars(row) for row in batch.new])
    _write_back(conn, batch.seen.values())
    _record_events(uow, delivery_id, batch)
    return batch.incidents


_ALERTS: Any = Alert.__table__
_INCIDENTS: Any = Incident.__table__
OPEN_COLUMNS = ("status", "annotations", "starts_at", "ends_at", "resolved_at", "incident_id")


def _open_alerts_query(grouped: bool) -> Select[Any]:
    wanted = _ALERTS.c.fingerprint.in_(bindparam("fingerprints", expanding=True))
    columns = [_ALERTS.c.id.label("alert_id"), _ALERTS.c.fingerprint, _ALERTS.c.group_key]
    return (
        select(*columns, *(_ALERTS.c[name] for name in OPEN_COLUMNS))
        .join(_INCIDENTS, _INCIDENTS.c.id == _ALERTS.c.incident_id)
        .where(
            _ALERTS.c.source_id == bindparam("source_id"),
            _INCIDENTS.c.status.in_(OPEN_STATUSES),
            or_(wanted, _ALERTS.c.group_key == bindparam("group_key")) if grouped else wanted,
        )
        .order_by(_ALERTS.c.id)
    )


OPEN_ALERTS = {grouped: _open_alerts_query(grouped) for grouped in (False, True)}
INSERT_ALERTS = multirow_insert(Alert)
# executemany; SET names the columns each parameter set carries (OPEN_COLUMNS and last_*).
UPDATE_ALERTS = update(_ALERTS).where(_ALERTS.c.id == bindparam("alert_id"))
WRITTEN = (*OPEN_COLUMNS, "last_seen_at", "last_delivery_id")


def _write_back(conn: Any, rows: Iterable[OpenAlert]) -> None:
    """One executemany UPDATE per set of changed columns (usually one: when last seen, by which
    delivery, the annotations)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        changed = row.changes()
        by_columns.setdefault(tuple(sorted(changed)), []).append({"alert_id": row.alert_id, **changed})
    for columns, values in by_columns.items():
        if columns:
            conn.execute(UPDATE_ALERTS, values)


def _load_open(
    uow: UnitOfWork, source: SourceEntry, fingerprints: list[str], group_key: str | None, batch: Batch
) -> None:
    params = {"source_id": source.id, "fingerprints": fingerprints, "group_key": group_key}
    wanted = set(fingerprints)
    for row in uow.session.connection().execute(OPEN_ALERTS[group_key is not None], params):
        if row.fingerprint in wanted:  # the newest open one wins (ordered by id)
            read = {name: getattr(row, name) for name in OPEN_COLUMNS}
            batch.by_fingerprint[row.fingerprint] = OpenAlert(alert_id=row.alert_id, read=read, **read)
        if group_key and row.group_key == group_key and batch.group_incident is None:
            batch.group_incident = row.incident_id


LOCK_BUCKETS = 64


def _lock_key(*parts: object) -> int:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_keys(source: SourceEntry, parsed: ParsedDelivery) -> list[int]:
    """The advisory lock keys a delivery takes before it looks for open alerts (PostgreSQL), sorted
    so two deliveries never wait for each other in opposite orders; none without firing alerts
    (they open nothing)."""
    firing = {a.fingerprint for a in parsed.alerts if a.status == "firing"}
    if not firing:
        return []
    buckets = {_lock_key(source.id, "fp", f) % LOCK_BUCKETS for f in firing}
    keys = {_lock_key(source.id, "fpb", b) for b in buckets}
    group_key = parsed.group_key if source.mapping.get("group", True) else None
    if group_key:
        keys.add(_lock_key(source.id, "g", group_key))
    return sorted(keys)


def _store_one(
    uow: UnitOfWork, source: SourceEntry, delivery_id: int, alert: AlertFacts, group_key: str | None, batch: Batch
) -> None:
    row = batch.by_fingerprint.get(alert.fingerprint)
    if row is not None:
        _update(uow, row, delivery_id, alert, batch)
    elif alert.status == "firing":
        incident_id = batch.group_incident if group_key else None
        event: str | None = "joined"
        if incident_id is None:
            incident_id, event = _open_incident(uow, source, alert), None
            if group_key:
                batch.group_incident = incident_id
        row = _new_row(uow, source, delivery_id, alert, group_key, incident_id)
        batch.by_fingerprint[alert.fingerprint] = row
        batch.new.append(row)
        batch.touch(incident_id, event)
    # A resolved alert we never saw firing (or whose incident is no longer open) opens nothing;
    # the raw delivery keeps it.


def _update(uow: UnitOfWork, row: NewAlert, delivery_id: int, alert: AlertFacts, batch: Batch) -> None:
    row.last_seen_at, row.last_delivery_id = uow.now, delivery_id
    if isinstance(row, OpenAlert):
        batch.seen[row.alert_id] = row
    if row.annotations != alert.annotations:
        row.annotations = dict(alert.annotations)
    event = None
    if alert.status == "resolved" and row.status == "firing":
        row.status, row.ends_at, row.resolved_at = "resolved", alert.ends_at, alert.ends_at or uow.now
        event = "resolved"
    elif alert.status == "firing" and row.status == "resolved":
        row.status, row.starts_at, row.ends_at, row.resolved_at = "firing", alert.starts_at, None, None
        event = "refired"
    assert row.incident_id is not None
    batch.touch(row.incident_id, event)


def _new_row(
    uow: UnitOfWork,
    source: SourceEntry,
    delivery_id: int,
    alert: AlertFacts,
    group_key: str | None,
    incident_id: int,
) -> NewAlert:
    row = NewAlert(
        source_id=source.id,
        fingerprint=alert.fingerprint,
        group_key=group_key,
        status="firing",
        labels=dict(alert.labels),
        annotations=dict(alert.annotations),
        starts_at=alert.starts_at,
        ends_at=None,
        incident_id=incident_id,
        first_delivery_id=delivery_id,
        last_delivery_id=delivery_id,
        first_seen_at=uow.now,
        last_seen_at=uow.now,
        resolved_at=None,
    )
    return row


def _open_incident(uow: UnitOfWork, source: SourceEntry, alert: AlertFacts) -> int:
    """Facts from the mapping rules; no vector known means R5 (OICT triage)."""
    facts = map_alert(alert.labels, source.mapping)
    data = {
        "title": incident_title(facts, alert.labels, alert.annotations),
        "description": "Opened from a monitoring alert; its labels are in the detection field.",
        "vectors": facts.vectors,
        "effects": facts.effects,
        "deliberate": facts.deliberate,
        "severity": facts.severity,
        "location": facts.location,
        "tlp": "TLP:AMBER",
        "occurred_at": alert.starts_at,
        "detection": detection_of(
            alert.labels, alert.annotations, alert.fingerprint, f"{source.name} ({source.format})", source.mapping
        ),
    }
    incident = new_incident(uow, data, None)
    return incident.id


EVENT_TEXT = {
    "joined": "{n} more monitoring alert(s) of the same group joined this incident.",
    "resolved": "{n} monitoring alert(s) resolved (the incident stays open until a person resolves it).",
    "refired": "{n} monitoring alert(s) firing again.",
}


def _record_events(uow: UnitOfWork, delivery_id: int, batch: Batch) -> None:
    """One timeline event per incident and kind (no labels: the timeline is not need-to-know
    filtered), and one audit entry per changed incident."""
    for incident_id, counts in sorted(batch.events.items()):
        for kind, n in sorted(counts.items()):
            data = {"delivery_id": delivery_id, "alerts": n}
            add_event(uow, incident_id, f"alert_{kind}", EVENT_TEXT[kind].format(n=n), data)
        uow.audit("incident.alerts", "incident", incident_id, None, {"delivery_id": delivery_id, **counts})


__all__ = ["store_alerts"]
