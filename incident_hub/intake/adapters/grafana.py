"""Grafana unified alerting webhook contact point, `version: "1"` (reference/STANDARDS.md §3).

The alerts have the Alertmanager shape plus `values`, `silenceURL`, … which are ignored; the
deprecated `title`/`state`/`message` are ignored too.
"""

from __future__ import annotations

from typing import Any

from incident_hub.intake.adapters.base import ParsedDelivery, parse_grouped


def parse(payload: dict[str, Any]) -> ParsedDelivery:
    return parse_grouped(payload, version="1")
