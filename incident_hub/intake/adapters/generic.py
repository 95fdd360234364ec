"""Generic JSON sender (API.md "Intake"): `{"alerts": [...]}` with the alert objects of
Alertmanager v4 — `status` and `labels` required; `fingerprint` (derived from the sorted labels
when absent), `annotations`, `startsAt`, `endsAt`, `generatorURL` optional. An optional top-level
`groupKey` with `groupLabels` groups alerts as Alertmanager does.
"""

from __future__ import annotations

from typing import Any

from incident_hub.intake.adapters.base import Errors, ParsedDelivery, group_key_of, parse_alerts


def parse(payload: dict[str, Any]) -> ParsedDelivery:
    errors = Errors()
    alerts = parse_alerts(payload.get("alerts"), errors)
    group_key = group_key_of(payload, errors)
    errors.raise_if_any()
    return ParsedDelivery(alerts, group_key)
