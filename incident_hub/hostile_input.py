"""Input PostgreSQL cannot store or we will not walk (outside test run, findings 2 and 3).

A NUL character in text is refused by PostgreSQL ("A string literal cannot contain NUL"), which
answered 500: here it is a 422 naming the field, before any view runs. JSON nested deeper than
`MAX_DEPTH` is a 400 `bad_json`: no request of ours needs more, and walking it costs stack.
Both walks are iterative, so no input can exhaust the recursion limit. Intake deliveries get the
depth check too (`check_depth`); their NULs are refused by the adapters, naming the alert field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from incident_hub.errors import BadJson, ValidationError

MAX_DEPTH = 32
NUL = "\x00"
NUL_MESSAGE = "must not contain a NUL character"


def check_json(body: Any) -> None:
    """400 past MAX_DEPTH levels, 422 naming the first field (path) whose text holds a NUL."""
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadJson(f"The request body is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, str):
            if NUL in value:
                _refuse(path or "_schema")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if NUL in key:
                    _refuse(name)
                stack.append((name, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item, depth + 1) for i, item in enumerate(value))


def check_depth(body: Any) -> None:
    """400 `bad_json` past MAX_DEPTH levels of arrays and objects."""
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadJson(f"The request body is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def check_request(
    args: MultiDict[str, str], form: MultiDict[str, str] | None, view_args: Mapping[str, Any] | None
) -> None:
    for source in (args, form or MultiDict()):
        for name, value in source.items(multi=True):
            # werkzeug's multipart parser gives a part whose name it cannot read the name None
            name, value = name or "", value if isinstance(value, str) else ""
            if NUL in name or NUL in value:
                _refuse(name.replace(NUL, ""))
    for name, value in (view_args or {}).items():
        if isinstance(value, str) and NUL in value:
            _refuse(name)


def _refuse(field: str) -> None:
    raise ValidationError.for_fields({field: [NUL_MESSAGE]}, f"{field}: {NUL_MESSAGE}.")
