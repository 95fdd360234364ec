"""List parameters shared by every collection: ?page=&per_page=&sort=."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from incident_hub.ids import MAX_PAGE
from incident_hub.services.listing import Total

MAX_PER_PAGE = 500


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class LongPageArgs(PageArgs):
    """A list that may be long (issue 18): page numbers, or keyset paging with `after`."""

    after = fields.String(
        validate=validate.Length(min=1, max=1024),
        metadata={
            "description": "Keyset paging: the `next_cursor` of the previous page (same filters and sort). "
            "Pages deep into a long list as fast as the first; not combined with `page`."
        },
    )

    @validates_schema(pass_original=True)
    def _after_or_page(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        if "after" in data and "page" in original:
            raise ValidationError("cannot be combined with page", field_name="after")


def sort_field(sortable: Sequence[str], default: str) -> fields.String:
    """`default` "" means "the view decides" (a callable default: the spec shows none outside the enum)."""
    choices = [*sortable, *(f"-{name}" for name in sortable)]
    return fields.String(load_default=default or str, validate=validate.OneOf(choices))


def page_body(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def long_page_body(
    items: list[Any], total: Total, page: int | None, per_page: int, cursor: str | None
) -> dict[str, Any]:
    """A page of a list that may be long (issue 18): `total` is exact up to LIST_EXACT_TOTAL_MAX,
    an estimate past it (`total_is_estimate`); `next_cursor` is the `?after=` of the next page."""
    return {
        "items": items,
        "total": total.value,
        "total_is_estimate": total.is_estimate,
        "page": page,
        "per_page": per_page,
        "next_cursor": cursor,
    }


__all__ = [
    "MAX_PER_PAGE",
    "LongPageArgs",
    "PageArgs",
    "ValidationError",
    "long_page_body",
    "page_body",
    "sort_field",
    "validates",
]
