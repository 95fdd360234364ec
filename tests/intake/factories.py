"""Sources and signed deliveries, as a monitoring tool sends them (reference/STANDARDS.md §2-§4)."""

from __future__ import annotations

import copy
import itertools
import json
import time
from typing import Any

from incident_hub.intake.signing import GRAFANA_SIGNATURE, GRAFANA_TIMESTAMP, sign_grafana, sign_standard_webhooks
from incident_hub.models import Source
from incident_hub.services.intake.sources import create_source

_ids = itertools.count(1)

# STANDARDS.md §2, verbatim.
ALERTMANAGER_PAYLOAD: dict[str, Any] = {
    "version": "4",
    "groupKey": '{}:{alertname="BadgeReaderOffline"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "incident-hub",
    "groupLabels": {"alertname": "BadgeReaderOffline"},
    "commonLabels": {"alertname": "BadgeReaderOffline", "site": "nyc-hq", "severity": "critical"},
    "commonAnnotations": {},
    "externalURL": "http://am.example:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "BadgeReaderOffline", "site": "nyc-hq", "severity": "critical"},
            "annotations": {"summary": "Badge readers unreachable"},
            "startsAt": "2025-01-15T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prom.example:9090/graph",
            "fingerprint": "1a30ba71cca2921f",
        }
    ],
}

# STANDARDS.md §3, verbatim.
GRAFANA_PAYLOAD: dict[str, Any] = {
    "receiver": "incident-hub",
    "status": "firing",
    "orgId": 1,
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "VPN brute force", "team": "oict"},
            "annotations": {"summary": "500 failed logins/5m"},
            "startsAt": "2025-01-15T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://graf.example/alerting/grafana/abc/view",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://graf.example/alerting/silence/new",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 500, "C": 1},
        }
    ],
    "groupLabels": {},
    "commonLabels": {"team": "oict"},
    "commonAnnotations": {},
    "externalURL": "https://graf.example/",
    "title": "[FIRING:1]  (oict)",
    "state": "alerting",
    "message": "**Firing** …",
}

GENERIC_PAYLOAD: dict[str, Any] = {
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "DataCentreDoorForced", "site": "nairobi-dc-b", "severity": "high"},
            "annotations": {"summary": "Door 3 forced open"},
            "startsAt": "2025-01-15T09:00:00.123456789Z",
        }
    ]
}

PAYLOADS = {"alertmanager": ALERTMANAGER_PAYLOAD, "grafana": GRAFANA_PAYLOAD, "generic": GENERIC_PAYLOAD}


def make_source(fmt: str, name: str | None = None, **kw: Any) -> tuple[Source, str]:
    return create_source("test", name or f"{fmt}-{next(_ids)}", fmt, **kw)


def payload(fmt: str, **alert_changes: Any) -> dict[str, Any]:
    """A copy of the realistic payload of `fmt`, its first alert changed."""
    data = copy.deepcopy(PAYLOADS[fmt])
    data["alerts"][0].update(alert_changes)
    return data


def signed_headers(fmt: str, secret: str, body: bytes, ts: int | None = None, msg_id: str | None = None) -> dict:
    ts = int(time.time()) if ts is None else ts
    if fmt == "generic":
        msg_id = msg_id or f"msg_{next(_ids)}_{time.time_ns()}"
        sig = sign_standard_webhooks(secret, msg_id, ts, body)
        return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}
    if fmt == "grafana":
        return {GRAFANA_SIGNATURE: sign_grafana(secret, ts, body), GRAFANA_TIMESTAMP: str(ts)}
    return {"Authorization": f"Bearer {secret}"}


def post(client: Any, source: Source, secret: str, data: Any = None, body: bytes | None = None, **kw: Any) -> Any:
    """POST a delivery signed as the source's tool would; `headers=` adds or replaces headers."""
    raw = body if body is not None else json.dumps(data).encode()
    headers = {
        "Content-Type": "application/json",
        **signed_headers(source.format, secret, raw, kw.pop("ts", None), kw.pop("msg_id", None)),
    }
    headers.update(kw.pop("headers", {}))
    return client.post(f"/api/v1/intake/{source.name}", data=raw, headers=headers, **kw)
