"""Observables: typed indicators on an incident (DOMAIN.md "Evidence and sharing").

Each is validated and normalised by type (domain/evidence.py), unique per incident (a constraint,
not a check), carries its own TLP and `sighted_at`, and may be marked `detection` — then only the
cyber-cleared (OICT, managers) see it (para 6). "Where else have we seen 198.51.100.23?" is
`search_observables`, for OICT and managers, answered from the `(value, incident_id)` index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal, sees_detection
from incident_hub.domain.evidence import guess_observable, normalise_observable, search_forms
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, Forbidden, NotFound, ValidationError
from incident_hub.extensions import db
from incident_hub.models import Incident, Observable
from incident_hub.runtime import units
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.upsert import insert_ignore
from incident_hub.services.visibility import get_visible_incident, visible_incidents


def observable_view(o: Observable) -> dict[str, Any]:
    return {
        "id": o.id,
        "incident_id": o.incident_id,
        "type": o.type,
        "value": o.value,
        "tlp": o.tlp,
        "sighted_at": to_iso(o.sighted_at),
        "detection": o.detection,
        "comment": o.comment,
        "created_at": to_iso(o.created_at),
        "created_by": o.created_by,
    }


def _record(o: Observable) -> dict[str, Any]:
    return {k: v for k, v in observable_view(o).items() if k not in ("id", "created_at", "created_by")}


def add_observable(principal: Principal, incident_id: int, data: dict[str, Any]) -> Observable:
    """422 naming the field when the value is not of its type; 409 when already on the incident."""
    detection = bool(data.get("detection", False))
    if detection and not sees_detection(principal, units()):
        raise ValidationError.for_fields({"detection": ["only OICT and managers may mark an observable as detection"]})
    value = normalise_observable(data["type"], data["value"])
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        o = Observable(
            incident_id=incident.id,
            type=data["type"],
            value=value,
            tlp=data.get("tlp") or incident.tlp,
            sighted_at=data.get("sighted_at"),
            detection=detection,
            comment=(data.get("comment") or "").strip(),
            created_at=uow.now,
            created_by=principal.username,
        )
        try:
            with uow.session.begin_nested():
                uow.session.add(o)
                uow.session.flush()
        except IntegrityError:
            raise Conflict(
                f"This incident already has the {data['type']} {value}.",
                {"fields": {"value": [Text(N_("already recorded on this incident"))]}},
            )
        uow.audit("observable.create", "observable", o.id, None, _record(o))
    return o


def list_observables(principal: Principal, incident_id: int) -> list[Observable]:
    get_visible_incident(principal, incident_id)
    q = select(Observable).where(Observable.incident_id == incident_id)
    if not sees_detection(principal, units()):
        q = q.where(Observable.detection.is_(False))
    return list(db.session.execute(q.order_by(Observable.type, Observable.value)).scalars())


def delete_observable(principal: Principal, observable_id: int) -> None:
    with unit_of_work(principal.username) as uow:
        o = uow.session.get(Observable, observable_id)
        if o is None or (o.detection and not sees_detection(principal, units())):
            raise NotFound(Text(N_("No observable %(id)s."), id=observable_id))
        try:
            get_visible_incident(principal, o.incident_id)
        except NotFound:
            raise NotFound(Text(N_("No observable %(id)s."), id=observable_id))
        if not (sees_detection(principal, units()) or principal.username == o.created_by):
            raise Forbidden(Text(N_("Only who recorded the observable, OICT or a manager may delete it.")))
        uow.audit("observable.delete", "observable", o.id, _record(o), None)
        uow.session.execute(delete(Observable).where(Observable.id == o.id))


def search_observables(principal: Principal, value: str, page: int, per_page: int) -> tuple[list[Any], int]:
    """The incidents (that the caller sees) where `value` was recorded, newest sighting first."""
    if not sees_detection(principal, units()):
        raise Forbidden(Text(N_("Searching observables across incidents is for OICT and managers.")))
    seen = visible_incidents(principal).with_only_columns(Incident.id).scalar_subquery()
    base = (
        select(Observable, Incident.title, Incident.status, Incident.tlp)
        .join(Incident, Incident.id == Observable.incident_id)
        .where(Observable.value.in_(search_forms(value)), Observable.incident_id.in_(seen))
    )
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = db.session.execute(
        base.order_by(Observable.sighted_at.desc().nulls_last(), Observable.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def search_view(row: Any) -> dict[str, Any]:
    o, title, status, tlp = row
    return {
        "incident": {"id": o.incident_id, "title": title, "status": status, "tlp": tlp},
        "observable": observable_view(o),
    }


def record_detection_indicators(uow: UnitOfWork, incident: Incident, indicators: list[str], at: datetime) -> int:
    """The typed ones among an incident's `detection.indicators` become detection observables
    (once each; free text stays only in `detection`). Returns how many were new."""
    added = 0
    for raw in indicators:
        guessed = guess_observable(str(raw))
        if guessed is None:
            continue
        values = {
            "incident_id": incident.id,
            "type": guessed[0],
            "value": guessed[1],
            "tlp": incident.tlp,
            "sighted_at": None,
            "detection": True,
            "comment": "from detection.indicators",
            "created_at": at,
            "created_by": uow.actor,
        }
        new_id = insert_ignore(uow.session, Observable, values, ("incident_id", "type", "value"))
        if new_id is not None:
            added += 1
            uow.audit("observable.create", "observable", new_id, None, {k: values[k] for k in ("type", "value")})
    return added
