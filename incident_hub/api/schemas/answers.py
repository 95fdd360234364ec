"""Building blocks of the answer schemas: what the API sends back, for the OpenAPI spec.

Views build their answers as dicts (services/*/queries.py); these schemas only document them
(api/openapi.py `answers`), and the schemathesis run checks every answer against them. A field that
is always present is required; `additionalProperties` is false (marshmallow's default RAISE), so an
answer carrying an undocumented field fails the check instead of drifting from the spec.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from incident_hub.domain.facts import SEVERITIES, TLP_LABELS
from incident_hub.ids import MAX_ID


def text(*, nullable: bool = False, optional: bool = False, **kw: Any) -> fields.String:
    return fields.String(required=not optional, allow_none=nullable, **kw)


def one_of(values: Any, *, nullable: bool = False, optional: bool = False) -> fields.String:
    return fields.String(required=not optional, allow_none=nullable, metadata={"enum": list(values)})


def number(*, nullable: bool = False, optional: bool = False) -> fields.Integer:
    return fields.Integer(required=not optional, allow_none=nullable)


def ident(*, nullable: bool = False, optional: bool = False) -> fields.Integer:
    return fields.Integer(required=not optional, allow_none=nullable, metadata={"minimum": 1, "maximum": MAX_ID})


def flag(*, nullable: bool = False, optional: bool = False) -> fields.Boolean:
    return fields.Boolean(required=not optional, allow_none=nullable)


def when(*, nullable: bool = True, optional: bool = False, **kw: Any) -> fields.DateTime:
    """UTC, ISO 8601 with `Z` (API.md "HTTP conventions")."""
    return fields.DateTime(required=not optional, allow_none=nullable, **kw)


def texts(*, optional: bool = False) -> fields.List:
    return fields.List(fields.String(), required=not optional)


def anything(*, optional: bool = False, **kw: Any) -> fields.Raw:
    """A free-form JSON value (audit before/after, a CACAO step, a source's mapping)."""
    return fields.Raw(required=not optional, allow_none=True, **kw)


def obj(*, nullable: bool = False, optional: bool = False) -> fields.Dict:
    return fields.Dict(required=not optional, allow_none=nullable)


def nested(schema: Any, *, many: bool = False, nullable: bool = False, optional: bool = False) -> fields.Field:
    if many:
        return fields.List(fields.Nested(schema), required=not optional)
    return fields.Nested(schema, required=not optional, allow_none=nullable)


def severity() -> fields.String:
    return one_of(SEVERITIES)


def tlp() -> fields.String:
    return one_of(TLP_LABELS)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """`{"items", "total", "page", "per_page"}` (API.md "Lists")."""
    return Schema.from_dict(
        {"items": nested(item, many=True), "total": number(), "page": number(), "per_page": number()}, name=name
    )


def long_page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page of a list that may be long (issue 18): `total` exact up to LIST_EXACT_TOTAL_MAX, an
    estimate past it (`total_is_estimate`); `next_cursor` is the `after` of the next page (null on
    the last); `page` is null on a page asked with `after`."""
    return Schema.from_dict(
        {
            "items": nested(item, many=True),
            "total": number(),
            "total_is_estimate": flag(),
            "page": number(nullable=True),
            "per_page": number(),
            "next_cursor": text(nullable=True),
        },
        name=name,
    )


def list_of(item: type[Schema], name: str) -> type[Schema]:
    """`{"items", "total"}`: a whole, unpaged list (an incident's timeline, its followers, …)."""
    return Schema.from_dict({"items": nested(item, many=True), "total": number()}, name=name)
