"""Totals and keyset pages of long lists (API.md "Lists"; issue 18, "Lists at 1,000,000 incidents").

- `total_of`: an exact count up to `LIST_EXACT_TOTAL_MAX` matches (10,000 by default), counted
  with a LIMIT so it never reads more than that many rows; past it, an estimate flagged as one:
  PostgreSQL's planner estimate for the filtered query (EXPLAIN, no rows read), on SQLite the
  share of matches among the newest rows times the table's size.
- `Keyset`: the ORDER BY of a sort and the WHERE that starts a page right after a cursor's row,
  with ties on the sort key broken by the id, so paging misses and repeats no row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.ext.compiler import compiles
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
    limited = q.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(cap + 1)
    counted = db.session.execute(select(func.count()).select_from(limited.subquery())).scalar_one()
    return Total(counted) if counted <= cap else estimate_beyond(q, id_column, cap)


def exact_total_max() -> int:
    return settings().list_exact_total_max


def surely_many(q: Select[Any], cap: int) -> Total | None:
    """PostgreSQL's planner's estimate when it expects more than SURE_FACTOR times `cap` rows (no
    row read); None otherwise, and always on SQLite. See `total_of`'s `sure` for when to trust it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    guess = planner_rows(q.order_by(None))
    return Total(guess, is_estimate=True) if guess > SURE_FACTOR * (cap + 1) else None


def estimate_beyond(q: Select[Any], id_column: Any, cap: int) -> Total:
    """The estimate of a query known to have more than `cap` rows (at least cap + 1)."""
    if db.session.get_bind().dialect.name == "postgresql":
        guess = planner_rows(q.order_by(None))
    else:
        guess = _sampled_rows(q.order_by(None), id_column, cap)
    return Total(max(cap + 1, guess), is_estimate=True)


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

    def order_by(self) -> tuple[Any, ...]:
        first = self.column.desc() if self.descending else self.column.asc()
        if self.nullable:
            first = first.nulls_last()
        return (first, self.id_column.desc() if self.descending else self.id_column.asc())

    def cursor(self, value: Any, row_id: int) -> str:
        return encode_cursor(self.name, [value, row_id])

    def decode(self, text: str) -> tuple[Any, int]:
        value, row_id = decode_cursor(text, self.name, [self.kind + ("?" if self.nullable else ""), "int"])
        return value, row_id

    def after(self, value: Any, row_id: int) -> ColumnElement[bool]:
        """Rows that come after (value, row_id) in this order."""
        col, rid = self.column, self.id_column
        beyond = (lambda a, b: a < b) if self.descending else (lambda a, b: a > b)
        if not self.nullable:
            return beyond(tuple_(col, rid), tuple_(literal(value, col.type), literal(row_id)))  # type: ignore[no-any-return]
        if value is None:  # among the nulls at the end: only the id moves on
            return and_(col.is_(None), beyond(rid, row_id))
        return or_(
            beyond(col, value),
            and_(col == value, beyond(rid, row_id)),
            col.is_(None),
        )


def page_after(q: Select[Any], keyset: Keyset, after: str | None, per_page: int) -> Select[Any]:
    """The page of `q` in the order of `keyset`, starting after the cursor `after` (or at the top)."""
    if after:
        q = q.where(keyset.after(*keyset.decode(after)))
    return q.order_by(*keyset.order_by()).limit(per_page)


def next_cursor(rows: Sequence[Any], keyset: Keyset, per_page: int, value_of: Any) -> str | None:
    """The cursor after the last row of a full page; None when the page was the last."""
    if len(rows) < per_page or not rows:
        return None
    last = rows[-1]
    return keyset.cursor(value_of(last), last.id)
