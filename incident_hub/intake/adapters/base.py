"""What every format adapter produces: alert facts from a parsed JSON payload (API.md "Intake").

Adapters are pure: payload in, `ParsedDelivery` out, or `ValidationError` naming every wrong
field (`alerts.0.labels`). Unknown keys are ignored, as senders add fields over time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from incident_hub.errors import ValidationError

STATUSES = ("firing", "resolved")
MAX_ALERTS = 1000
MAX_FINGERPRINT = 64
ZERO_TIME = "0001-01-01T00:00:00Z"
_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class AlertFacts:
    status: str
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    generator_url: str | None = None


@dataclass(frozen=True)
class ParsedDelivery:
    alerts: list[AlertFacts]
    group_key: str | None = None  # set only when the sender grouped by some labels


class Errors:
    """Collects field errors; `raise_if_any` turns them into one 422."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.fields.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            names = ", ".join(sorted(self.fields)[:10])
            raise ValidationError.for_fields(self.fields, f"The delivery's shape is wrong: {names}.")


def parse_time(value: Any, path: str, errors: Errors) -> datetime | None:
    """RFC 3339 (nanoseconds allowed); Alertmanager's zero time means "not set"."""
    if value is None or value == "" or value == ZERO_TIME:
        return None
    moment = _moment(value) if isinstance(value, str) else INVALID
    if moment is INVALID:
        errors.add(path, "must be an RFC 3339 time")
        return None
    return moment  # type: ignore[return-value]


INVALID = object()


@lru_cache(maxsize=4096)
def _moment(value: str) -> datetime | None | object:
    """Cached: the alerts of one storm share a few start times."""
    match = _RFC3339.match(value)
    if not match:
        return INVALID
    base, fraction, zone = match.groups()
    text = base + (fraction or "")[:7] + ("+00:00" if zone.upper() == "Z" else zone)
    try:
        moment = datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 east of UTC, year 9999 west of it
        return INVALID
    return None if moment.year <= 1 else moment


def string_map(value: Any, path: str, errors: Errors, required: bool, name: str = "") -> dict[str, str]:
    """A JSON object of strings (`path.name` in an error; built only then: a storm has 1,000)."""
    if value is None and not required:
        return {}
    if isinstance(value, dict):
        nul = False
        for k, v in value.items():
            if not (isinstance(k, str) and isinstance(v, str)):
                break
            nul = nul or "\x00" in k or "\x00" in v
        else:
            if not nul:
                return value
            errors.add(f"{path}.{name}" if name else path, "must not contain NUL characters")
            return {}
    errors.add(f"{path}.{name}" if name else path, "must be an object whose values are strings")
    return {}


def derived_fingerprint(labels: dict[str, str]) -> str:
    """For senders without one: 16 hex chars of the SHA-256 of the sorted label set."""
    canonical = json.dumps(labels, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def parse_alert(raw: Any, path: str, errors: Errors) -> AlertFacts | None:
    """One alert object of the Alertmanager v4 shape (also Grafana's and the generic one)."""
    if not isinstance(raw, dict):
        errors.add(path, "must be an object")
        return None
    before = len(errors.fields)
    status = raw.get("status")
    if status not in STATUSES:
        errors.add(f"{path}.status", "must be 'firing' or 'resolved'")
    labels = string_map(raw.get("labels"), path, errors, True, "labels")
    annotations = string_map(raw.get("annotations"), path, errors, False, "annotations")
    fingerprint = raw.get("fingerprint")
    if fingerprint is not None and not (
        isinstance(fingerprint, str) and 0 < len(fingerprint) <= MAX_FINGERPRINT and fingerprint.isprintable()
    ):
        errors.add(f"{path}.fingerprint", f"must be a printable string of 1 to {MAX_FINGERPRINT} characters")
    url = raw.get("generatorURL")
    if url is not None and not isinstance(url, str):
        errors.add(f"{path}.generatorURL", "must be a string")
    starts = parse_time(raw.get("startsAt"), path + ".startsAt", errors)
    ends = parse_time(raw.get("endsAt"), path + ".endsAt", errors)
    if len(errors.fields) > before:
        return None
    fingerprint = fingerprint or derived_fingerprint(labels)
    return AlertFacts(str(status), fingerprint, labels, annotations, starts, ends, url or None)


def parse_alerts(raw: Any, errors: Errors) -> list[AlertFacts]:
    if not isinstance(raw, list):
        errors.add("alerts", "must be a list of alert objects")
        return []
    if len(raw) > MAX_ALERTS:
        errors.add("alerts", f"at most {MAX_ALERTS} alerts per delivery")
        return []
    parsed = [parse_alert(item, f"alerts.{i}", errors) for i, item in enumerate(raw)]
    return [a for a in parsed if a is not None]


def group_key_of(payload: dict[str, Any], errors: Errors) -> str | None:
    """The sender's group key, used to join an open incident, only when it grouped by labels:
    `{}:{}` (Grafana's catch-all) would otherwise merge unrelated alerts."""
    group_labels = string_map(payload.get("groupLabels"), "groupLabels", errors, required=False)
    key = payload.get("groupKey")
    if key is not None and not isinstance(key, str):
        errors.add("groupKey", "must be a string")
        return None
    if not key or not group_labels:
        return None
    return hashlib.sha256(key.encode()).hexdigest()


def check_version(payload: dict[str, Any], expected: str, errors: Errors) -> None:
    if payload.get("version") != expected:
        errors.add("version", f"must be {expected!r} (a custom payload template is not supported)")


def parse_grouped(payload: dict[str, Any], version: str) -> ParsedDelivery:
    """An Alertmanager-shaped group notification (Alertmanager v4, Grafana v1): alerts and group key."""
    errors = Errors()
    check_version(payload, version, errors)
    alerts = parse_alerts(payload.get("alerts"), errors)
    group_key = group_key_of(payload, errors)
    errors.raise_if_any()
    return ParsedDelivery(alerts, group_key)
