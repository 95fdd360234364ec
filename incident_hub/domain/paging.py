"""Keyset cursors for long lists (API.md "Lists": `?after=<cursor>`; issue 18, "big lists").

A cursor says where the previous page ended: the sort it was made for and that last row's sort
key (the sorted value, then the id that breaks ties). Clients treat it as opaque text; it is
base64url of a small JSON array, so anything else is refused field by field (`after`), never
a 500 and never a silent first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from incident_hub.errors import ValidationError

# The kinds of value a key may hold; "?" after a kind: it may also be null.
KINDS = ("int", "float", "str", "time", "int?", "float?", "str?", "time?")
MAX_CURSOR = 1024


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def encode_cursor(sort: str, key: Sequence[Any]) -> str:
    raw = json.dumps([sort, *(_plain(v) for v in key)], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _refused(message: str) -> ValidationError:
    return ValidationError.for_fields({"after": [message]})


def _typed(value: Any, kind: str) -> Any:
    if value is None and kind.endswith("?"):
        return None
    base = kind.rstrip("?")
    if base == "int" and type(value) is int:
        return value
    if base == "float" and type(value) in (int, float):
        return float(value)
    if base == "str" and isinstance(value, str):
        return value
    if base == "time" and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise _refused("is not a cursor of this list")


def decode_cursor(text: str, sort: str, kinds: Sequence[str]) -> tuple[Any, ...]:
    """The key a cursor made by `encode_cursor(sort, ...)` holds, typed by `kinds`; else 422 `after`."""
    if not text or len(text) > MAX_CURSOR:
        raise _refused("is not a cursor of this list")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _refused("is not a cursor of this list") from None
    if not isinstance(data, list) or len(data) != len(kinds) + 1 or not isinstance(data[0], str):
        raise _refused("is not a cursor of this list")
    if data[0] != sort:
        raise _refused(f"was made for sort={data[0][:40]}, not sort={sort}; start again without `after`")
    return tuple(_typed(v, k) for v, k in zip(data[1:], kinds, strict=True))
