"""The one place that turns errors into the JSON envelope of API.md (and into pages for the web)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import AppError, BadJson, BadRequest, Unavailable, ValidationError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
RETRY_AFTER_DATABASE = 5
JSON_PATHS = ("/api/", "/healthz", "/readyz", "/metrics")


def wants_json() -> bool:
    return request.path.startswith(JSON_PATHS)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"detection.indicators.0": ["..."]}."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": messages}
    out: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    for key, value in items:
        out.update(flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def envelope(error: AppError) -> ResponseReturnValue:
    response = jsonify(error.to_envelope())
    response.status_code = error.status
    if isinstance(error, Unavailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def from_http_exception(exc: HTTPException) -> AppError:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if status == 422 and messages:
        fields: dict[str, list[str]] = {}
        for location_messages in messages.values():
            fields.update(flatten_messages(location_messages))
        return ValidationError.for_fields(fields, "Some fields are invalid: " + ", ".join(sorted(fields)) + ".")
    if isinstance(exc, CSRFError):
        return BadRequest(
            Text(N_("The CSRF token is missing or invalid; reload the page and try again.")), {"rule": "csrf"}
        )
    if status == 400 and messages:
        return BadJson()
    error = AppError(exc.description if status < 500 else None)
    error.status, error.code = status, HTTP_CODES.get(status, "internal_error" if status >= 500 else "error")
    return error


def _page(error: AppError) -> ResponseReturnValue:
    if isinstance(error, Unavailable):
        # Straight from the Jinja environment: render_template's context processors would load the
        # signed-in user, from the database that is down.
        html = current_app.jinja_env.get_template("unavailable.html").render(error=error)
        response = make_response(html, error.status)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    return render_template("error.html", error=error), error.status


def handle_app_error(error: AppError) -> ResponseReturnValue:
    return envelope(error) if wants_json() else _page(error)


def handle_http_exception(exc: HTTPException) -> ResponseReturnValue:
    error = from_http_exception(exc)
    if wants_json():
        response = envelope(error)
        if exc.code == 405 and exc.response is None:
            allowed = getattr(exc, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)  # type: ignore[union-attr]
        return response
    return _page(error)


def database_unavailable(exc: BaseException) -> Unavailable | None:
    """A passing database failure (down, restarting, locked, pool exhausted) is a 503, not a 500."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return Unavailable("The database is unavailable; retry later.", retry_after=RETRY_AFTER_DATABASE)
    return None


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    unavailable = database_unavailable(exc)
    if unavailable is not None:
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.__class__.__name__)
        return handle_app_error(unavailable)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_app_error(AppError())


def init_app(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
