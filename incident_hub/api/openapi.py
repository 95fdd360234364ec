"""What the served OpenAPI spec says beyond the views' own decorators (outside test run, finding 5).

- Every error is the envelope of API.md (`ErrorEnvelope`), never flask-smorest's own shape.
- `ErrorResponses` documents on every operation the errors it can answer: 401/403/422/503 everywhere
  behind a login, 404 where the path names an object, 400/413/415 where a body is read, 409 on
  writes; `default` (the envelope) covers the rest (405, 429).
- `answers(...)` documents a 2xx answer with its schema (views build their dicts themselves, so this
  documents and never re-serialises); `binary(...)` the non-JSON bodies (PDF, CSV, HTML, files).
A client generated from the spec works: tests/operations/test_schemathesis.py checks every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apispec import BasePlugin
from marshmallow import Schema, fields

F = Callable[..., Any]
JSON = "application/json"
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
LOCATION = {"Location": {"description": "The URL of what was created.", "schema": {"type": "string"}}}


class ErrorBody(Schema):
    status = fields.Integer(required=True, metadata={"description": "The HTTP status, repeated."})
    code = fields.String(
        required=True,
        metadata={"description": "validation_error, bad_json, unauthenticated, forbidden, not_found, …"},
    )
    message = fields.String(required=True, metadata={"description": "One human sentence."})
    details = fields.Dict(
        required=True,
        metadata={"description": '`{"fields": {"name": ["why"]}}` for field errors, `{"rule": "M1", …}` for rules.'},
    )


class ErrorEnvelope(Schema):
    """Every error (API.md "HTTP conventions")."""

    error = fields.Nested(ErrorBody, required=True)


ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadJson", "`bad_json`: the body is not JSON that parses, or is nested too deeply."),
    401: ("Unauthenticated", "`unauthenticated` (or `token_expired`): no valid bearer token or session."),
    403: ("Forbidden", "`forbidden`: the caller's role may not do this, or a read-only token tried a write."),
    404: ("NotFound", "`not_found`: no such object, or one the caller may not see (need to know)."),
    409: ("Conflict", "`invalid_transition` or `conflict`: not allowed from the current state."),
    413: ("PayloadTooLarge", "`payload_too_large`: the body is larger than the service accepts."),
    415: ("UnsupportedMediaType", "`unsupported_media_type`: send the body as `application/json`."),
    422: (
        "Unprocessable",
        "`validation_error` (`details.fields` names each field: a bad query parameter or body field, a NUL "
        "character) or a broken domain rule (`mandate_violation` with `details.rule`, `closure`, …).",
    ),
    503: ("Unavailable", "`unavailable`: the database is down or overloaded; retry after `Retry-After` seconds."),
}
ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
METHODS = ("get", "post", "put", "patch", "delete")
WRITES = ("post", "put", "patch", "delete")
BODY_METHODS = ("post", "put", "patch")
OWN_RESPONSES = ("/api/v1/intake/",)  # its view lists the errors it answers


def register_errors(spec: Any) -> None:
    for status, (name, description) in ERRORS.items():
        response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": "ErrorEnvelope"}}}
        if status == 503:
            response["headers"] = RETRY_AFTER
        spec.components.response(name, response)


def errors_of(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    statuses = [401, 403, 422, 503]
    if "{" in path:
        statuses.append(404)
    if method in BODY_METHODS or "requestBody" in operation:
        statuses += [400, 413, 415]
    if method in WRITES:
        statuses.append(409)
    return sorted(statuses)


class ErrorResponses(BasePlugin):  # type: ignore[misc]
    """Adds the envelope's error answers to each operation (replacing flask-smorest's named ones); an
    error a view documents with its own description gets the envelope as its body."""

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any) -> None:
        if path is None or operations is None:
            return
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault("default", {"description": "Any other error (405, 429, …)."})
            for status, response in responses.items():
                if isinstance(response, dict) and str(status).startswith(("4", "5", "default")):
                    response.setdefault("content", {JSON: {"schema": ENVELOPE_REF}})
                    if str(status) == "503":
                        response.setdefault("headers", RETRY_AFTER)
            if path.startswith(OWN_RESPONSES):
                continue
            for code in errors_of(path, method, operation):
                if not isinstance(responses.get(str(code)), dict):
                    responses[str(code)] = ERRORS[code][0]


def answers(
    blp: Any, schema: Any = None, status: int = 200, description: str = "", *, created: bool = False
) -> Callable[[F], F]:
    """Document a success answer (JSON with `schema`; none for 204); with `created`, its Location."""
    return blp.alt_response(  # type: ignore[no-any-return]
        status,
        schema=schema,
        description=description or ("Created" if status == 201 else "OK"),
        headers=LOCATION if created else None,
        success=True,
    )


def binary(status: int, description: str, *media_types: str, json: Any = None) -> dict[str, Any]:
    """`@blp.doc(**binary(...))`: an answer in other media types (PDF, CSV, HTML, a file's bytes), and
    in JSON with the `json` schema when the same URL also answers JSON."""
    content: dict[str, Any] = {m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}
    if json is not None:
        content = {JSON: {"schema": json}, **content}
    return {"responses": {str(status): {"description": description, "content": content}}}
