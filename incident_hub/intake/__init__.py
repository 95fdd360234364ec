"""Intake from monitoring tools (DOMAIN.md "Intake from monitoring tools"; API.md "Intake").

`init_app` registers the plain Flask blueprint for POST /api/v1/intake/<source> and describes
it in the OpenAPI spec; the admin API for sources lives in api/sources.py.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

_ERRORS = {
    "401": "bad_signature (credentials missing or wrong, unknown or disabled source) or stale_delivery",
    "400": "bad_json",
    "413": "payload_too_large",
    "415": "unsupported_media_type",
    "422": "validation_error, details.fields names the wrong fields",
    "503": "unavailable (database, rate limit): retry after Retry-After seconds",
}


def _operation() -> dict[str, Any]:
    result = {"description": "{delivery_id, duplicate, alerts, incidents}"}
    return {
        "tags": ["intake"],
        "summary": "A delivery from a monitoring tool (Alertmanager v4, Grafana, generic JSON)",
        "description": "Credentials per source format: Bearer secret (alertmanager); X-Grafana-Alerting-Signature "
        "and X-Grafana-Alerting-Timestamp (grafana); Standard Webhooks webhook-id, webhook-timestamp, "
        "webhook-signature (generic). See the README.",
        "parameters": [{"name": "source", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {
            "202": {**result, "description": "Stored: " + result["description"]},
            "200": {"description": "A copy of a stored delivery: duplicate is true, nothing new stored"},
            **{code: {"description": text} for code, text in _ERRORS.items()},
        },
        "security": [],
    }


def init_app(app: Flask) -> None:
    from incident_hub.intake.views import bp

    app.register_blueprint(bp)
    api = app.extensions.get("incident_hub_api")
    if api is not None:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "intake.receive")
        api.spec.path(operations={"post": _operation()}, rule=rule)
