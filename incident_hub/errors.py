"""The single exception hierarchy of incident_hub (stdlib and the Babel-free markers of domain/translatable.py).

The domain and the services raise these; ``api/envelope.py`` turns every one of
them into the JSON error envelope of API.md (English `message`, stable `code` and `details`); a page shows
`text`, the same message in the reader's language (i18n.said). Werkzeug's own 405 and 413 (a whole body over the
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

from collections.abc import Mapping, Sequence
from typing import Any

from incident_hub.domain.translatable import N_, Coded, Listing, Text


# The default messages a page can show are marked N_ (a delivery's or a JSON body's never reach a page).
class AppError(Exception):
    status = 500
    code = "internal_error"
    default_message = N_("An internal error occurred.")

    def __init__(self, message: str | Text | None = None, details: dict[str, Any] | None = None):
        # `text` is what pages translate (i18n.said); `message` and `details` are the English the API answers.
        self.text = message if isinstance(message, Text) else Text(message or self.default_message)
        self.message = str(self.text)
        self.details, self.field_texts = _fields_apart(details or {})
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
    status, code, default_message = 400, "bad_request", N_("The request could not be understood.")


class BadJson(BadRequest):
    code, default_message = "bad_json", "The request body is not valid JSON."


class NotAuthenticated(AppError):
    status, code, default_message = 401, "unauthenticated", N_("Authentication is required.")


class BadSignature(NotAuthenticated):
    code, default_message = "bad_signature", "The delivery's credentials are missing or wrong."


class StaleDelivery(NotAuthenticated):
    code, default_message = "stale_delivery", "The delivery's timestamp is outside the allowed window."


class Forbidden(AppError):
    status, code, default_message = 403, "forbidden", N_("Your role does not allow this.")


class NotFound(AppError):
    status, code, default_message = 404, "not_found", N_("No such resource.")


class Conflict(AppError):
    status, code, default_message = 409, "conflict", N_("The request conflicts with the current state.")


class InvalidTransition(Conflict):
    code, default_message = "invalid_transition", N_("This transition is not allowed from the current state.")


class PayloadTooLarge(AppError):
    status, code, default_message = 413, "payload_too_large", N_("The request body is too large.")


class UnsupportedMediaType(AppError):
    status, code, default_message = 415, "unsupported_media_type", "The request body must be JSON."


class ValidationError(AppError):
    status, code, default_message = 422, "validation_error", N_("Some fields are invalid.")

    @classmethod
    def for_fields(
        cls, fields: Mapping[str, Sequence[str | Text]], message: str | Text | None = None
    ) -> ValidationError:
        if message is None:
            each = (
                Text("%(name)s: %(errors)s", name=name, errors=Listing(errs, ", ")) for name, errs in fields.items()
            )
            message = Text(N_("Invalid %(fields)s."), fields=Listing(each))
        return cls(message, {"fields": fields})


class RuleViolation(AppError):
    status, code, default_message = 422, "rule_violation", N_("The request breaks a domain rule.")


class MandateViolation(RuleViolation):
    """Rule M1 (A/77/88/Add.1 paras 15-16): cyber work never goes to a unit without `cyber`."""

    code = "mandate_violation"

    def __init__(self, unit: str, missing: list[str], work: str | Text):
        message = Text(
            N_("Rule M1: %(work)s needs the mandate(s) %(missing)s, which unit %(unit)s does not hold."),
            work=work,
            missing=Coded("mandate", missing),
            unit=unit,
        )
        super().__init__(message, {"rule": "M1", "unit": unit, "missing_mandates": missing, "work": str(work)})


class UnknownUnit(RuleViolation):
    code = "unknown_unit"

    def __init__(self, unit: str, field: str = "unit"):
        super().__init__(
            Text(N_("Unit %(unit)s is not configured."), unit=repr(unit)),
            {"fields": {field: [Text(N_("unknown unit %(unit)s"), unit=repr(unit))]}},
        )


def _fields_apart(details: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Text]]]:
    """`details.fields` in English for the API, and the same messages as Texts for the pages."""
    fields = details.get("fields")
    if not isinstance(fields, Mapping):
        return details, {}
    texts = {
        str(name): [m if isinstance(m, Text) else Text(str(m)) for m in messages]
        for name, messages in fields.items()
        if isinstance(messages, list | tuple)
    }
    english = {name: [str(m) for m in messages] for name, messages in texts.items()}
    return {**details, "fields": english}, texts


class Unavailable(AppError):
    status, code, default_message = 503, "unavailable", N_("The service is temporarily unavailable.")

    def __init__(self, message: str | Text | None = None, retry_after: int = 5, details: dict[str, Any] | None = None):
        super().__init__(message, details)
        self.retry_after = retry_after
