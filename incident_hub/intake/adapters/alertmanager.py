"""Prometheus Alertmanager webhook, payload `version: "4"` (reference/STANDARDS.md §2)."""

from __future__ import annotations

from typing import Any

from incident_hub.intake.adapters.base import ParsedDelivery, parse_grouped


def parse(payload: dict[str, Any]) -> ParsedDelivery:
    return parse_grouped(payload, version="4")
