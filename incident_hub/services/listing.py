"""Totals and keyset pages of long lists (API.md "Lists"; issue 18, "Lists at 1,000,000 incidents").

- `total_of`: an exact count up to `LIST_EXACT_TOTAL_MAX` matches (10,000 by default), counted
  with a LIMIT so it never reads more than that many rows; past it, an estimate flagged as one:
  PostgreSQL's planner estimate for the filtered query (EXPLAIN, no rows read), on SQLite the
  share of matches among the newest rows times the table's size.
- `Keyset`: the ORDER BY of a sort and the WHERE that starts a page right after a cursor's row,
  with ties on the sort key broken by the id, so paging misses and repeats no row; `keyset_page`
  reads one page (by number or after a cursor) and the next page's cursor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

from incident_hub.domain.paging import decode_cursor, encode_cursor
from incident_hub.extensions import db
from incident_hub.runtime import settings

SAMPLE_FACTOR = 4  # SQLite estimate: sample this many times the threshold of the newest rows
SURE_FACTOR = 10  # `total_of(sure=True)`: no count when the planner expects 10× the threshold


@dataclass(frozen=True)
class Total:
    value: int
    is_estimate: bool = False


class _Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON) <statement>`, its parameters bound as the statement's own."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]):
        self.statement = statement


@compiles(_Explain, "postgresql")
def _explain_pg(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def planner_rows(q: Select[Any]) -> int:
    """PostgreSQL's estimate of the rows `q` returns (statistics only: nothing is read)."""
    plan = db.session.execute(_Explain(q)).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _sampled_rows(q: Select[Any], id_column: Any, cap: int) -> int:
    """SQLite: matches among the newest ids, scaled to the table's id range."""
    low, high = db.session.execute(select(func.min(id_column), func.max(id_column))).one()
    if high is None:
        return 0
    window = SAMPLE_FACTOR * (cap + 1)
    sample = q.where(id_column > high - window).with_only_columns(func.count(), maintain_column_froms=True)
    hits = db.session.execute(sample.order_by(None)).scalar_one()
    span = high - low + 1
    return hits if span <= window else round(hits * span / window)


def total_of(q: Select[Any], id_column: Any, cap: int | None = None, sure: bool = False) -> Total:
    """The number of rows of `q`: exact up to `cap` (the setting by default), else an estimate.

    `sure`: on PostgreSQL, ask the planner first and skip the count when it expects more than
    SURE_FACTOR times the threshold. Only for a query whose estimate cannot be skewed by need to
    know or by combined filters (a word search by someone who sees every incident): a single
    condition's statistics are not off by that factor, combined ones can be."""
    cap = exact_total_max() if cap is None else cap
    surely = surely_many(q, cap) if sure else None
    if surely is not None:
        return surely
    counted = capped_count(q, cap)
    return Total(counted) if counted <= cap else estimate_beyond(q, id_column, cap)


def capped_count(q: Select[Any], cap: int) -> int:
    """The rows of `q` counted up to `cap` + 1 (never more read)."""
    limited = q.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(cap + 1)
    return int(db.session.execute(select(func.count()).select_from(limited.subquery())).scalar_one())


def exact_total_max() -> int:
    return settings().list_exact_total_max


def planned_rows(q: Select[Any]) -> int | None:
    """PostgreSQL's planner's estimate of the rows of `q` (no row read); None on SQLite."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return planner_rows(q.order_by(None))


def far_more(expected: int, cap: int) -> bool:
    """An estimate of more than SURE_FACTOR times `cap` rows: see `total_of`'s `sure` for when to trust it."""
    return expected > SURE_FACTOR * (cap + 1)


def surely_many(q: Select[Any], cap: int) -> Total | None:
    """PostgreSQL's planner's estimate when it expects `far_more` than `cap` rows (no row read);
    None otherwise, and always on SQLite."""
    guess = planned_rows(q)
    return Total(guess, is_estimate=True) if guess is not None and far_more(guess, cap) else None


def estimate_beyond(q: Select[Any], id_column: Any, cap: int) -> Total:
    """The estimate of a query known to have more than `cap` rows (at least cap + 1)."""
    if db.session.get_bind().dialect.name == "postgresql":
        guess = planner_rows(q.order_by(None))
    else:
        guess = _sampled_rows(q.order_by(None), id_column, cap)
    return Total(max(cap + 1, guess), is_estimate=True)


def exact_count(q: Select[Any]) -> int:
    """Every row of `q` counted, however many: only where the exact figure is needed (the real
    last page of a list, a figure on the home page), never for a list's `total`."""
    counted = q.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return int(db.session.execute(counted).scalar_one())


@dataclass(frozen=True)
class SortKey:
    """What a list sorts by: the column, the kind of value a cursor holds of it (domain/paging.py),
    how a row gives that value, and whether it may be null (nulls come last either way)."""

    column: Any
    kind: str
    value_of: Callable[[Any], Any]
    nullable: bool = False


@dataclass(frozen=True)
class Keyset:
    """A sort as a key (`column`, then `id`), both ascending or both descending.

    `nullable`: the column may be null; nulls come last either way (on both databases)."""

    name: str
    column: Any
    id_column: Any
    kind: str
    descending: bool = False
    nullable: bool = False
    value_of: Callable[[Any], Any] | None = None  # a row's value of `column` (default: its attribute)

    @classmethod
    def of(cls, sort: str, keys: Mapping[str, SortKey], id_column: Any) -> Keyset:
        """The keyset of `sort` ("name" or "-name", descending) among a list's `keys`."""
        key = keys[sort.lstrip("-")]
        return cls(sort, key.column, id_column, key.kind, sort.startswith("-"), key.nullable, key.value_of)

    def direction(self, column: Any) -> Any:
        return column.desc() if self.descending else column.asc()

    def beyond(self, a: Any, b: Any) -> Any:
        """`a` comes after `b` in this order."""
        return a < b if self.descending else a > b

    def order_by(self) -> tuple[Any, ...]:
        first = self.direction(self.column)
        if self.nullable:
            first = first.nulls_last()
        return (first, self.direction(self.id_column))

    def cursor(self, value: Any, row_id: int) -> str:
        return encode_cursor(self.name, [value, row_id])

    def cursor_of(self, row: Any) -> str:
        value = self.value_of(row) if self.value_of else getattr(row, self.column.key)
        return self.cursor(value, row.id)

    def decode(self, text: str) -> tuple[Any, int]:
        value, row_id = decode_cursor(text, self.name, [self.kind + ("?" if self.nullable else ""), "int"])
        return value, row_id

    def after(self, value: Any, row_id: int) -> ColumnElement[bool]:
        """Rows that come after (value, row_id) in this order, for a value that is not null: one
        row comparison, which both databases answer with a range of the (column, id) index."""
        key = tuple_(self.column, self.id_column)
        return self.beyond(key, tuple_(literal(value, self.column.type), literal(row_id)))  # type: ignore[no-any-return]


def page_after(q: Select[Any], keyset: Keyset, after: str | None, limit: int, offset: int = 0) -> Select[Any]:
    """`limit` rows of `q` in the order of `keyset`, starting after the cursor `after` (or at the
    top), `offset` rows further on."""
    start = keyset.decode(after) if after else None
    if keyset.nullable:
        return _nulls_last(q, keyset, start, limit, offset)
    if start is not None:
        q = q.where(keyset.after(*start))
    return q.order_by(*keyset.order_by()).limit(limit).offset(offset)


def _nulls_last(q: Select[Any], keyset: Keyset, start: tuple[Any, int] | None, limit: int, offset: int) -> Select[Any]:
    """The rows with a value, in order, then those without (by id): each part a range of the
    (column, id) index read in order, so neither database sorts the table to put nulls last,
    in either direction. Past a null cursor only the nulls remain."""
    col, rid = keyset.column, keyset.id_column
    # Ordered by the column too, null as it is there: an index (…, column, id) then reads the
    # nulls in id order (`IS NULL` alone does not tell PostgreSQL that they come out that way).
    nulls = q.where(col.is_(None)).order_by(keyset.direction(col), keyset.direction(rid))
    if start is not None and start[0] is None:
        return nulls.where(keyset.beyond(rid, start[1])).limit(limit).offset(offset)
    valued = q.where(col.is_not(None))
    if start is not None:
        valued = valued.where(keyset.after(*start))
    depth = limit + offset
    valued = valued.order_by(keyset.direction(col), keyset.direction(rid)).limit(depth)
    both = union_all(select(valued.subquery()), select(nulls.limit(depth).subquery())).subquery()
    row = aliased(q.column_descriptions[0]["entity"], both)
    ordered = Keyset(keyset.name, getattr(row, col.key), getattr(row, rid.key), keyset.kind, keyset.descending, True)
    return select(row).order_by(*ordered.order_by()).limit(limit).offset(offset)


T = TypeVar("T")


@dataclass(frozen=True)
class LongPage(Generic[T]):
    """A page of a list that may be long: its rows, the total of the whole list (exact or an
    estimate) and where the next page starts (`?after=`; None on the last page)."""

    rows: list[T]
    total: Total
    next_cursor: str | None


def keyset_page(
    q: Select[Any], keyset: Keyset, after: str | None, page: int, per_page: int
) -> tuple[list[Any], str | None]:
    """One page of `q` (by number, or right after the cursor `after`) and the next page's cursor:
    one row more than the page is read, to know whether there is a next page."""
    offset = 0 if after else (page - 1) * per_page
    rows = list(db.session.execute(page_after(q, keyset, after, per_page + 1, offset)).scalars().all())
    cursor = keyset.cursor_of(rows[per_page - 1]) if len(rows) > per_page else None
    return rows[:per_page], cursor
