"""Format adapters, one module per monitoring tool (ARCHITECTURE.md "Monitoring-tool format")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from incident_hub.intake.adapters import alertmanager, generic, grafana
from incident_hub.intake.adapters.base import AlertFacts, ParsedDelivery

PARSERS: dict[str, Callable[[dict[str, Any]], ParsedDelivery]] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "generic": generic.parse,
}
FORMATS = tuple(PARSERS)

__all__ = ["FORMATS", "PARSERS", "AlertFacts", "ParsedDelivery"]
