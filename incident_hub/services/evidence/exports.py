"""What leaves, and to whom (DOMAIN.md "Evidence and sharing"; reference/STANDARDS.md §6).

An incident is shared with the response network (para 14) as a STIX 2.1 bundle (built with the
`stix2` library) or a MISP event (misp.py). Both hold only what
the caller may see and what TLP 2.0 lets leave (domain/evidence.py `ExportRules`): TLP:RED never,
TLP:AMBER+STRICT only for `audience=internal`; a file marked `detection` never; an observable
marked `detection` only internally and only for the cyber-cleared. Detection details, alert
labels and source names are never read here. Each export is recorded in the audit trail.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from incident_hub.clock import utcnow
from incident_hub.domain.access import Principal, sees_detection
from incident_hub.domain.evidence import ExportRules, may_leave, stricter
from incident_hub.errors import RuleViolation, ValidationError
from incident_hub.extensions import db
from incident_hub.models import Attachment, Incident, Observable
from incident_hub.runtime import units
from incident_hub.services.evidence.techniques import incident_techniques, technique_view
from incident_hub.services.uow import unit_of_work
from incident_hub.services.visibility import get_visible_incident

NAMESPACE = uuid.UUID("5f0d3f0e-3c55-5b8e-9a57-6e2f1a0c1d16")  # ids are stable across exports
ORGANISATION = "United Nations Secretariat"


@dataclass(frozen=True)
class Shareable:
    """The part of an incident that may leave for this caller and audience."""

    incident: Incident
    observables: list[Observable]
    attachments: list[Attachment]
    techniques: list[dict[str, Any]]
    audience: str


def shareable(principal: Principal, incident_id: int, audience: str) -> Shareable:
    if audience not in ("external", "internal"):
        raise ValidationError.for_fields({"audience": ["must be external or internal"]})
    incident = get_visible_incident(principal, incident_id)
    if not may_leave(incident.tlp, audience):
        hint = " Use ?audience=internal to share inside the organisation." if incident.tlp == "TLP:AMBER+STRICT" else ""
        raise RuleViolation(
            f"Incident {incident.id} is {incident.tlp}: it may not leave for this audience.{hint}",
            {"rule": "tlp", "tlp": incident.tlp, "audience": audience},
        )
    rules = ExportRules(audience, sees_detection(principal, units()))
    observables = [
        o
        for o in db.session.execute(
            select(Observable).where(Observable.incident_id == incident.id).order_by(Observable.id)
        ).scalars()
        if rules.admits(o.tlp, o.detection)
    ]
    attachments = list(
        db.session.execute(
            select(Attachment)
            .where(
                Attachment.incident_id == incident.id,
                Attachment.deleted_at.is_(None),
                Attachment.detection.is_(False),  # a detection file never leaves
            )
            .order_by(Attachment.id)
        ).scalars()
    )
    techniques = [technique_view(t) for t in incident_techniques(incident.id)]
    return Shareable(incident, observables, attachments, techniques, audience)


def audit_export(principal: Principal, s: Shareable, fmt: str) -> None:
    with unit_of_work(principal.username) as uow:
        uow.audit(
            "incident.export",
            "incident",
            s.incident.id,
            None,
            {
                "format": fmt,
                "audience": s.audience,
                "tlp": s.incident.tlp,
                "observables": [o.id for o in s.observables],
                "attachments": [a.id for a in s.attachments],
                "techniques": [t["id"] for t in s.techniques],
            },
        )


def _sid(kind: str, *parts: object) -> str:
    """A stable id: the same object keeps its id across exports, so partners update, not duplicate.
    UUIDv5 bits re-stamped as version 4, the form STIX 2.1 asks of SDO and SRO ids."""
    derived = uuid.uuid5(NAMESPACE, "/".join(str(p) for p in (kind, *parts)))
    return f"{kind}--{uuid.UUID(bytes=derived.bytes, version=4)}"


# --- STIX 2.1 ---------------------------------------------------------------------------------

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKING_IDS = {
    "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "TLP:AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "TLP:RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
INCIDENT_EXTENSION = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"  # STIX Incident Core Extension
SCO_TYPES = {
    "ipv4": ("ipv4-addr", "value"),
    "ipv6": ("ipv6-addr", "value"),
    "domain": ("domain-name", "value"),
    "hostname": ("domain-name", "value"),
    "url": ("url", "value"),
    "email": ("email-addr", "value"),
    "user_account": ("user-account", "account_login"),
}
INVESTIGATION_STATUS = {"new": "new", "closed": "closed"}


def tlp_marking(label: str) -> Any:
    import stix2  # type: ignore[import-untyped]

    level = label.removeprefix("TLP:").lower()
    return stix2.v21.MarkingDefinition(
        id=TLP2_MARKING_IDS[label],
        created="2022-10-01T00:00:00.000Z",
        name=label,
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
        allow_custom=True,
    )


def _pattern_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _pattern(o: Observable) -> str:
    if o.type == "file_sha256":
        return f"[file:hashes.'SHA-256' = '{o.value}']"
    if o.type == "file_md5":
        return f"[file:hashes.MD5 = '{o.value}']"
    sco, prop = SCO_TYPES[o.type]
    return f"[{sco}:{prop} = '{_pattern_value(o.value)}']"


def _sco(o: Observable, marking: list[str]) -> Any:
    import stix2

    if o.type in ("file_sha256", "file_md5"):
        algo = "SHA-256" if o.type == "file_sha256" else "MD5"
        return stix2.v21.File(hashes={algo: o.value}, object_marking_refs=marking)
    sco, prop = SCO_TYPES[o.type]
    cls = {
        "ipv4-addr": stix2.v21.IPv4Address,
        "ipv6-addr": stix2.v21.IPv6Address,
        "domain-name": stix2.v21.DomainName,
        "url": stix2.v21.URL,
        "email-addr": stix2.v21.EmailAddress,
        "user-account": stix2.v21.UserAccount,
    }[sco]
    return cls(**{prop: o.value}, object_marking_refs=marking)


def _stix_time(moment: datetime | None) -> datetime:
    return moment or utcnow()


def _incident_object(s: Shareable, identity: str) -> Any:
    import stix2

    i = s.incident
    extension = {
        "extension_type": "property-extension",
        "investigation_status": INVESTIGATION_STATUS.get(i.status, "open"),
        "determination": "confirmed" if i.status in ("contained", "resolved", "closed") else "suspected",
        "criticality": {"low": 25, "medium": 50, "high": 75, "critical": 100}.get(i.severity, 50),
    }
    return stix2.v21.Incident(
        id=_sid("incident", i.id),
        created_by_ref=identity,
        created=i.created_at,
        modified=i.updated_at,
        name=f"#{i.id} {i.title}",
        description=i.description or None,
        object_marking_refs=[TLP2_MARKING_IDS[i.tlp]],
        extensions={INCIDENT_EXTENSION: extension},
        allow_custom=True,
    )


def _observable_objects(o: Observable, incident_ref: str, incident_tlp: str, identity: str) -> list[Any]:
    import stix2

    marking = [TLP2_MARKING_IDS[o.tlp]]
    seen = _stix_time(o.sighted_at or o.created_at)
    related_tlp = [TLP2_MARKING_IDS[stricter(o.tlp, incident_tlp)]]
    if o.type == "cve":
        vuln = stix2.v21.Vulnerability(
            id=_sid("vulnerability", o.id),
            created_by_ref=identity,
            created=o.created_at,
            modified=o.created_at,
            name=o.value,
            external_references=[{"source_name": "cve", "external_id": o.value}],
            object_marking_refs=marking,
        )
        link = stix2.v21.Relationship(
            id=_sid("relationship", "incident-vuln", o.id),
            created_by_ref=identity,
            created=o.created_at,
            modified=o.created_at,
            relationship_type="related-to",
            source_ref=incident_ref,
            target_ref=vuln.id,
            object_marking_refs=related_tlp,
        )
        return [vuln, link]
    sco = _sco(o, marking)
    observed = stix2.v21.ObservedData(
        id=_sid("observed-data", o.id),
        created_by_ref=identity,
        created=o.created_at,
        modified=o.created_at,
        first_observed=seen,
        last_observed=seen,
        number_observed=1,
        object_refs=[sco.id],
        object_marking_refs=marking,
    )
    indicator = stix2.v21.Indicator(
        id=_sid("indicator", o.id),
        created_by_ref=identity,
        created=o.created_at,
        modified=o.created_at,
        name=f"{o.type}: {o.value}"[:250],
        description=o.comment or f"A {o.type.replace('_', ' ')} recorded on incident #{o.incident_id}.",
        indicator_types=["unknown"],
        pattern=_pattern(o),
        pattern_type="stix",
        pattern_version="2.1",
        valid_from=seen,
        object_marking_refs=marking,
    )
    links = [
        stix2.v21.Relationship(
            id=_sid("relationship", kind, o.id),
            created_by_ref=identity,
            created=o.created_at,
            modified=o.created_at,
            relationship_type=rel,
            source_ref=source,
            target_ref=target,
            object_marking_refs=related_tlp,
        )
        for kind, rel, source, target in (
            ("indicator-observed", "based-on", indicator.id, observed.id),
            ("incident-indicator", "related-to", incident_ref, indicator.id),
        )
    ]
    return [sco, observed, indicator, *links]


def _attachment_objects(a: Attachment, incident_ref: str, tlp: str, identity: str) -> list[Any]:
    import stix2

    marking = [TLP2_MARKING_IDS[tlp]]
    sco = stix2.v21.File(name=a.filename, size=a.size, hashes={"SHA-256": a.sha256}, object_marking_refs=marking)
    observed = stix2.v21.ObservedData(
        id=_sid("observed-data", "attachment", a.id),
        created_by_ref=identity,
        created=a.created_at,
        modified=a.created_at,
        first_observed=a.created_at,
        last_observed=a.created_at,
        number_observed=1,
        object_refs=[sco.id],
        object_marking_refs=marking,
    )
    link = stix2.v21.Relationship(
        id=_sid("relationship", "incident-attachment", a.id),
        created_by_ref=identity,
        created=a.created_at,
        modified=a.created_at,
        relationship_type="related-to",
        source_ref=incident_ref,
        target_ref=observed.id,
        object_marking_refs=marking,
    )
    return [sco, observed, link]


def _technique_objects(t: dict[str, Any], s: Shareable, incident_ref: str, identity: str) -> list[Any]:
    import stix2

    marking = [TLP2_MARKING_IDS[s.incident.tlp]]
    at = s.incident.created_at
    pattern = stix2.v21.AttackPattern(
        id=_sid("attack-pattern", t["id"]),
        created_by_ref=identity,
        created=at,
        modified=at,
        name=t["name"],
        external_references=[{"source_name": "mitre-attack", "external_id": t["id"]}],
        kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": p} for p in t["tactics"]] or None,
        object_marking_refs=marking,
    )
    link = stix2.v21.Relationship(
        id=_sid("relationship", "incident-technique", s.incident.id, t["id"]),
        created_by_ref=identity,
        created=at,
        modified=at,
        relationship_type="related-to",
        source_ref=incident_ref,
        target_ref=pattern.id,
        object_marking_refs=marking,
    )
    return [pattern, link]


def stix_bundle(principal: Principal, incident_id: int, audience: str = "external") -> dict[str, Any]:
    """A STIX 2.1 bundle of what may leave; every object carries its TLP 2.0 marking."""
    import stix2

    s = shareable(principal, incident_id, audience)
    identity = stix2.v21.Identity(
        id=_sid("identity", "organisation"),
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-01T00:00:00.000Z",
        name=ORGANISATION,
        identity_class="organization",
        object_marking_refs=[TLP2_MARKING_IDS["TLP:CLEAR"]],
    )
    incident = _incident_object(s, identity.id)
    objects: list[Any] = [identity, incident]
    for o in s.observables:
        objects += _observable_objects(o, incident.id, s.incident.tlp, identity.id)
    for a in s.attachments:
        objects += _attachment_objects(a, incident.id, s.incident.tlp, identity.id)
    for t in s.techniques:
        objects += _technique_objects(t, s, incident.id, identity.id)
    used = sorted({ref for obj in objects for ref in obj.get("object_marking_refs", [])})
    labels = {v: k for k, v in TLP2_MARKING_IDS.items()}
    markings = [tlp_marking(labels[ref]) for ref in used]
    bundle = stix2.v21.Bundle(
        *markings, *objects, id=_sid("bundle", s.incident.id, utcnow().isoformat()), allow_custom=True
    )
    audit_export(principal, s, "stix")
    return json.loads(bundle.serialize())  # type: ignore[no-any-return]


# --- MISP -------------------------------------------------------------------------------------
