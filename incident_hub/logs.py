"""Logging: JSON lines in production, text in development, a request id on every line (no Flask).

The request id lives in a context variable: the web layer binds it once per request
(`X-Request-ID` honoured when well-formed, else generated), the outbox stores it with each
message and binds it again when the scheduler delivers, and `RequestIdFilter` copies it onto
every record, whichever logger wrote it. `Redactor` is a last line of defence: whatever a
message says, bearer tokens, `whsec_` secrets and `password=`-style pairs leave as `[redacted]`.
Nothing here logs a request body; the code that logs never passes one.
"""

from __future__ import annotations

import contextvars
import logging
import logging.config
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("incident_hub_request_id", default=None)
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
LOG_FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"whsec_[A-Za-z0-9+/=]+"),
    re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"),
)


def new_request_id() -> str:
    return secrets.token_hex(16)


def accepted_request_id(header: str | None) -> str:
    """The caller's X-Request-ID when it is a plain token of at most 128 characters, else a new one."""
    if header and REQUEST_ID_SHAPE.fullmatch(header):
        return header
    return new_request_id()


def current_request_id() -> str | None:
    return REQUEST_ID.get()


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request or a delivery)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get()
        return True


class Redactor(logging.Filter):
    """Formats the message once, with secrets replaced, so no handler sees the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and record.name == "gunicorn.access":
            return True  # the access formatter picks safe atoms itself
        try:
            message = record.getMessage()
        except Exception:  # a malformed call still logs something
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class AccessFormatter(JsonFormatter):
    """gunicorn's access log as the same JSON lines: the path without its query, the echoed request id."""

    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_record, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        log_record["message"] = "request"
        log_record.update(
            {
                "remote_addr": atoms.get("h"),
                "method": atoms.get("m"),
                "path": atoms.get("U"),
                "status": _int(atoms.get("s")),
                "bytes": _int(atoms.get("B")),
                "duration_ms": round((_int(atoms.get("D")) or 0) / 1000, 1),
                "user_agent": (atoms.get("a") or "")[:200],
                "request_id": atoms.get("{x-request-id}o") or None,
            }
        )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """The dictConfig for the app (and for gunicorn's logconfig_dict): one stream, one format."""
    renamed = {"asctime": "time", "levelname": "level"}
    formatter: dict[str, Any] = (
        {"()": JsonFormatter, "fmt": JSON_FIELDS, "rename_fields": renamed}
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    access: dict[str, Any] = (
        {"()": AccessFormatter, "fmt": "%(asctime)s %(levelname)s %(name)s", "rename_fields": renamed}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    filters = {"request_id": {"()": RequestIdFilter}, "redact": {"()": Redactor}}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": filters,
        "formatters": {"default": formatter, "access": access},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id", "redact"],
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["default"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
            "werkzeug": {"level": "WARNING"},  # its request line carries query strings
        },
    }


def configure(log_format: str, level: str = "INFO") -> None:
    logging.config.dictConfig(config(log_format, level))
