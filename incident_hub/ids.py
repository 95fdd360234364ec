"""Ids, page numbers and moments the database can hold (outside test run, finding 1).

Every table's id is a 32-bit integer, so a larger number can name nothing: in a URL it does not
match the route (404, `IdConverter` replaces Flask's `int`), in a query or a body it is a field error
(422, `Id`), and never reaches PostgreSQL, which refused it with a 500. A moment (`Moment`) must
lie between EARLIEST and LATEST once in UTC: `0001-01-01T00:00:00+05:00` cannot be converted to UTC
and `9999-12-31T23:59-05:00` overflows, which answered 500 (found by the schemathesis run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000  # page × per_page (500) stays far inside a 64-bit OFFSET
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)  # room for "due in N days" arithmetic
MOMENT_RANGE = "must be between 1900-01-01 and 9000-01-01 (UTC)"


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


class Moment(fields.AwareDateTime):
    """An aware ISO 8601 time within [EARLIEST, LATEST) once in UTC, else a 422 naming the field."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(MOMENT_RANGE) from None
        if not EARLIEST <= in_utc < LATEST:
            raise ValidationError(MOMENT_RANGE)
        return moment
