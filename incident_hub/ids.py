"""Ids and page numbers the database can hold (outside test run, finding 1).

Every table's id is a 32-bit integer, so a larger number can name nothing: in a URL it does not
match the route (404, `IdConverter` replaces Flask's `int`), in a query or a body it is a field error
(422, `Id`), and never reaches PostgreSQL, which refused it with a 500.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000  # page × per_page (500) stays far inside a 64-bit OFFSET


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 0 … 2**31-1; anything longer or larger is a 404 like an unknown id."""

    regex = r"\d{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def Id(**kwargs: Any) -> fields.Integer:
    """An id in a query or a body: a whole number from 1 to 2**31-1, else a 422 naming the field."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def parse_id(text: str | None) -> int | None:
    """An id from a form or a query string, or None when it cannot name a row."""
    if text is None or not text.strip().isdigit() or len(text.strip()) > 10:
        return None
    value = int(text.strip())
    return value if 1 <= value <= MAX_ID else None
