"""Grafana unified alerting webhook contact point, `version: "1"` (reference/STANDARDS.md §3).

The alerts have the Alertmanager shape plus `values`, `silenceURL`, … which are ignored; the
deprecated `title`/`state`/`message` are ignored too.
"""

from __future__ import annotations

from typing import Any

from incident_hub.intake.adapters.base import Errors, ParsedDelivery, check_version, group_key_of, parse_alerts


def parse(payload: dict[str, Any]) -> ParsedDelivery:
    errors = Errors()
    check_version(payload, "1", errors)
    alerts = parse_alerts(payload.get("alerts"), errors)
    group_key = group_key_of(payload, errors)
    errors.raise_if_any()
    return ParsedDelivery(alerts, group_key)
