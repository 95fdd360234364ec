"""The single exception hierarchy of incident_hub (stdlib only).

The domain and the services raise these; ``api/envelope.py`` turns every one of
them into the JSON error envelope of API.md. Werkzeug's own 405 and 413 (a whole body over the
limit) get the same envelope there (method_not_allowed, payload_too_large); the intake rate limit answers
503 (Unavailable), never 429. ``tests/test_errors.py`` keeps this tree and the classes in step.

    AppError (500, internal_error)
    ├── BadRequest (400, bad_request)
    │   └── BadJson (400, bad_json)
    ├── NotAuthenticated (401, unauthenticated)
    │   ├── BadSignature (401, bad_signature)
    │   └── StaleDelivery (401, stale_delivery)
    ├── Forbidden (403, forbidden)
    ├── NotFound (404, not_found)
    ├── Conflict (409, conflict)
    │   └── InvalidTransition (409, invalid_transition)
    ├── PayloadTooLarge (413, payload_too_large)
    ├── UnsupportedMediaType (415, unsupported_media_type)
    ├── ValidationError (422, validation_error)
    ├── RuleViolation (422, rule_violation)
    │   ├── MandateViolation (422, mandate_violation; rule M1)
    │   └── UnknownUnit (422, unknown_unit)
    └── Unavailable (503, unavailable)
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 500
    code = "internal_error"
    default_message = "An internal error occurred."

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)

    def to_envelope(self) -> dict[str, Any]:
        return {
            "error": {
                "status": self.status,
                "code": self.code,
                "message": self.message,
                "details": self.details,
            }
        }


class BadRequest(AppError):
    status, code, default_message = 400, "bad_request", "The request could not be understood."


class BadJson(BadRequest):
    code, default_message = "bad_json", "The request body is not valid JSON."


class NotAuthenticated(AppError):
    status, code, default_message = 401, "unauthenticated", "Authentication is required."


class BadSignature(NotAuthenticated):
    code, default_message = "bad_signature", "The delivery's credentials are missing or wrong."


class StaleDelivery(NotAuthenticated):
    code, default_message = "stale_delivery", "The delivery's timestamp is outside the allowed window."


class Forbidden(AppError):
    status, code, default_message = 403, "forbidden", "Your role does not allow this."


class NotFound(AppError):
    status, code, default_message = 404, "not_found", "No such resource."


class Conflict(AppError):
    status, code, default_message = 409, "conflict", "The request conflicts with the current state."


class InvalidTransition(Conflict):
    code, default_message = "invalid_transition", "This transition is not allowed from the current state."


class PayloadTooLarge(AppError):
    status, code, default_message = 413, "payload_too_large", "The request body is too large."


class UnsupportedMediaType(AppError):
    status, code, default_message = 415, "unsupported_media_type", "The request body must be JSON."


class ValidationError(AppError):
    status, code, default_message = 422, "validation_error", "Some fields are invalid."

    @classmethod
    def for_fields(cls, fields: dict[str, list[str]], message: str | None = None) -> ValidationError:
        if message is None:
            message = "Invalid " + "; ".join(f"{name}: {', '.join(errs)}" for name, errs in fields.items()) + "."
        return cls(message, {"fields": fields})


class RuleViolation(AppError):
    status, code, default_message = 422, "rule_violation", "The request breaks a domain rule."


class MandateViolation(RuleViolation):
    """Rule M1 (A/77/88/Add.1 paras 15-16): cyber work never goes to a unit without `cyber`."""

    code = "mandate_violation"

    def __init__(self, unit: str, missing: list[str], work: str):
        message = f"Rule M1: {work} needs the mandate(s) {', '.join(missing)}, which unit {unit} does not hold."
        super().__init__(message, {"rule": "M1", "unit": unit, "missing_mandates": missing, "work": work})


class UnknownUnit(RuleViolation):
    code = "unknown_unit"

    def __init__(self, unit: str, field: str = "unit"):
        super().__init__(f"Unit {unit!r} is not configured.", {"fields": {field: [f"unknown unit {unit!r}"]}})


class Unavailable(AppError):
    status, code, default_message = 503, "unavailable", "The service is temporarily unavailable."

    def __init__(self, message: str | None = None, retry_after: int = 5, details: dict[str, Any] | None = None):
        super().__init__(message, details)
        self.retry_after = retry_after
