"""An incident as a MISP event (the JSON MISP imports, built with PyMISP; no MISP server needed), holding
exactly what exports.py's `shareable` lets leave; TLP 2.0 becomes tags and MISP distribution."""

from __future__ import annotations

import json
import uuid
from typing import Any

from incident_hub.domain.access import Principal
from incident_hub.services.evidence.exports import NAMESPACE, audit_export, shareable

# TLP 2.0 → MISP distribution: 0 your organisation only, 1 this community only, 2 connected
# communities, 3 all communities. TLP:RED has none: it never leaves.
MISP_DISTRIBUTION = {"TLP:CLEAR": 3, "TLP:GREEN": 2, "TLP:AMBER": 1, "TLP:AMBER+STRICT": 0}
MISP_TYPES = {
    "ipv4": "ip-dst",
    "ipv6": "ip-dst",
    "domain": "domain",
    "url": "url",
    "email": "email",
    "file_sha256": "sha256",
    "file_md5": "md5",
    "hostname": "hostname",
    "user_account": "target-user",
    "cve": "vulnerability",
}
NOT_FOR_IDS = ("user_account", "cve")
THREAT_LEVEL = {"critical": 1, "high": 1, "medium": 2, "low": 3}  # 1 high, 2 medium, 3 low
ANALYSIS = {"new": 0, "acknowledged": 1, "contained": 1, "resolved": 2, "closed": 2}


def misp_tag(tlp: str) -> str:
    return tlp.lower()  # the MISP `tlp` taxonomy: tlp:clear, tlp:green, tlp:amber, tlp:amber+strict


def misp_event(principal: Principal, incident_id: int, audience: str = "external") -> dict[str, Any]:
    """A MISP event (the JSON MISP imports) of what may leave, the TLP as tags and distribution."""
    from pymisp import MISPEvent  # type: ignore[import-untyped]

    s = shareable(principal, incident_id, audience)
    i = s.incident
    event = MISPEvent()
    event.uuid = str(uuid.uuid5(NAMESPACE, f"misp-event/{i.id}"))
    event.info = f"#{i.id} {i.title}"
    event.date = i.created_at.date()
    event.distribution = MISP_DISTRIBUTION[i.tlp]
    event.threat_level_id = THREAT_LEVEL.get(i.severity, 2)
    event.analysis = ANALYSIS.get(i.status, 0)
    event.add_tag(misp_tag(i.tlp))
    for t in s.techniques:
        event.add_tag(f'misp-galaxy:mitre-attack-pattern="{t["name"]} - {t["id"]}"')
    for o in s.observables:
        attribute = event.add_attribute(
            MISP_TYPES[o.type],
            o.value,
            uuid=str(uuid.uuid5(NAMESPACE, f"misp-attribute/{o.id}")),
            to_ids=o.type not in NOT_FOR_IDS,
            distribution=MISP_DISTRIBUTION[o.tlp],
            comment=o.comment or None,
            first_seen=o.sighted_at,
        )
        attribute.add_tag(misp_tag(o.tlp))  # type: ignore[union-attr]  # one value, one attribute
    for a in s.attachments:
        event.add_attribute(
            "filename|sha256",
            f"{a.filename}|{a.sha256}",
            uuid=str(uuid.uuid5(NAMESPACE, f"misp-attachment/{a.id}")),
            category="Artifacts dropped",
            to_ids=False,
            distribution=MISP_DISTRIBUTION[i.tlp],
            comment=a.description or None,
        )
    audit_export(principal, s, "misp")
    return {"Event": json.loads(event.to_json())}
