"""POST /api/v1/intake/<source> (API.md "Intake"). Source credentials replace user auth here
(auth.OPEN_PREFIXES), and this view checks content type and JSON itself, after the signature.

Every refusal is counted (by the service, metrics.py) and logged (at most once per reason every
10 s, never a secret or a body); the envelope comes from api/envelope.py.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from incident_hub import metrics
from incident_hub.errors import AppError
from incident_hub.intake.signing import Refused
from incident_hub.services.intake.accept import IntakeRequest, accept_delivery
from incident_hub.services.intake.attempts import record_duplicate, record_refusal

bp = Blueprint("intake", __name__)
log = logging.getLogger(__name__)

LOG_EVERY = 10.0
_last_logged: dict[str, float] = {}
_log_lock = threading.Lock()


def _note_refusal(status: int, reason: str, hint: str = "") -> None:
    now = time.monotonic()
    with _log_lock:
        if now - _last_logged.get(reason, -LOG_EVERY) < LOG_EVERY:
            return
        _last_logged[reason] = now
    # request.path holds the source name the caller chose, never a secret or the body.
    log.warning(
        "intake refused: %s %s%s from %s on %s",
        status,
        reason,
        f" ({hint})" if hint else "",
        request.remote_addr,
        request.path[:120],
    )


@bp.post("/api/v1/intake/<source>")
def receive(source: str) -> ResponseReturnValue:
    """A delivery from a monitoring tool: 202 when stored, 200 for a copy of a stored one."""
    try:
        body = request.get_data(cache=False)  # 413 past MAX_CONTENT_LENGTH
        result = accept_delivery(IntakeRequest(source, request.headers, body, request.is_json))
    except AppError as error:
        _note_refusal(error.status, error.code, error.hint if isinstance(error, Refused) else "")
        if error.status != 503:  # a passing failure is retried; the page shows the outcome of the retry
            record_refusal(source, error.status, f"{error.code}: {error.message}")
        raise
    except HTTPException as exc:  # 413 before the service saw it
        metrics.count_intake(metrics.UNKNOWN, metrics.UNKNOWN, "refused_shape")
        _note_refusal(exc.code or 500, exc.name.lower().replace(" ", "_"))
        record_refusal(source, exc.code or 500, exc.name.lower().replace(" ", "_"))
        raise
    if result.duplicate:
        record_duplicate(source, result)
        return jsonify(result.to_dict()), 200
    return jsonify(result.to_dict()), 202


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
    app.register_blueprint(bp)
    api = app.extensions.get("incident_hub_api")
    if api is not None:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "intake.receive")
        api.spec.path(operations={"post": _operation()}, rule=rule)
