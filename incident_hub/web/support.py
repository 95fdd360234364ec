"""Small helpers the page views share."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm

from incident_hub.errors import AppError
from incident_hub.i18n import said, said_fields


def apply_errors(form: FlaskForm, error: AppError) -> None:
    """Put a service's field errors next to the fields; anything else at the top of the form."""
    fields = said_fields(error)
    placed = False
    for name, messages in fields.items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), *messages]
            placed = True
    if not placed or not fields:
        form.form_errors.append(said(error))


def int_arg(name: str, default: int, lo: int = 1, hi: int = 10_000) -> int:
    text = request.args.get(name, "")
    if not text.strip().lstrip("-").isdigit() or len(text) > 12:
        return default
    value = int(text)
    return max(lo, min(hi, value))


def query_without(*names: str) -> dict[str, Any]:
    """The current query string minus `names` (for pagination and sort links)."""
    return {k: v for k, v in request.args.items() if k not in names and v != ""}


def safe_back(target: str | None, default: str) -> str:
    """A same-site path to return to after a POST (never another host: no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target.rstrip("?")
    return default
