"""Small helpers the page views share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_wtf import FlaskForm

from incident_hub.errors import AppError, ValidationError
from incident_hub.i18n import said, said_fields
from incident_hub.ids import MAX_PAGE
from incident_hub.runtime import settings
from incident_hub.services.listing import LongPage, Total


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


@dataclass(frozen=True)
class Pager:
    """What a long list's pager offers (the `pager` macro; docs/lists.md): page numbers while they
    are cheap; once the next page starts past LIST_EXACT_TOTAL_MAX rows (deep), its "Next" link
    carries the keyset cursor (`after`) as well, so a page 10,000 rows down costs what the first
    costs. `page` there is only the number shown; the cursor says where the page starts."""

    page: int
    pages: int
    estimate: bool  # `pages` comes from an estimated total: "about", and no "Last" link
    more: bool  # there is a next page
    next_after: str | None  # the cursor of the next page when deep, else None (by number)


def pager_for(page: int, per_page: int, total: Total, cursor: str | None, after: str | None) -> Pager:
    deep = after is not None or page * per_page >= settings().list_exact_total_max
    pages = max(page + (1 if cursor else 0), -(-total.value // per_page))
    return Pager(page, pages, total.is_estimate, cursor is not None, cursor if deep else None)


def read_long_list(
    fetch: Callable[[int, str | None], LongPage[Any]], exact_total: Callable[[], int], per_page: int
) -> tuple[LongPage[Any], Pager, bool]:
    """The page of a long list that `?page=` and `?after=` ask for (`fetch(page, after)`), its
    pager, and whether `after` was stale: a cursor that is not one of this list (edited, or made
    for another sort; the API's 422) or that nothing follows any more lands on the first page.
    Past the end by number: the last page, counted exactly (`exact_total`), not "page 99 of 1"."""
    page, after = int_arg("page", 1, hi=MAX_PAGE), request.args.get("after") or None
    found = None
    if after:
        try:
            found = fetch(1, after)
        except ValidationError:
            found = None
    if found is not None and found.rows:
        return found, pager_for(page, per_page, found.total, found.next_cursor, after), False
    stale = after is not None
    page = 1 if stale else page
    found = fetch(page, None)
    if not found.rows and page > 1:
        page = max(1, -(-exact_total() // per_page))
        found = fetch(page, None)
    return found, pager_for(page, per_page, found.total, found.next_cursor, None), stale
