"""Full-text search of incidents (`q` of API.md "Incidents"; issue 12 "Lists that scale").

What is searched: title, description, location and timeline comments for everyone who may see the
incident; detection indicators, sensor and rule only for the cyber-cleared (OICT and managers, para 6).
The index is kept in the same transaction as the change (`index_incident`, `index_comment`), by the
use cases that change those texts. Matches are ranked (title words weigh more).

- PostgreSQL: table `incident_search` with generated `tsvector` columns in the `simple` configuration
  (no stemming, so every language works) and GIN indexes; a one-word `q` of 3+ characters also
  matches anywhere inside a word through the trigram index (pg_trgm).
- SQLite: the FTS5 table `incident_search_fts` (unicode61, diacritics folded).

On both, every word of `q` must match, the last one as the start of a word and the others whole
(`as_typed`): search as you type.

Both tables live outside the ORM metadata (migration 0012_search creates them; models/search.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from incident_hub.domain.paging import decode_cursor, encode_cursor
from incident_hub.extensions import db
from incident_hub.models import Incident, TimelineEvent
from incident_hub.services.listing import Total, estimate_beyond

MAX_TERMS = 8
RELEVANCE = "relevance"  # the sort of a `q` search: best match first
# Relevance ranks the newest this many matches (by id, i.e. as recorded); older matches follow,
# newest first. Ranking every match of a common word would read them all (issue 12, "Search at 1M").
RANKED_WINDOW = 500
DOUBLE = Float(precision=53)
_WORD = re.compile(r"\w[\w.@:/+-]*\w|\w", re.UNICODE)
_PLAIN_WORD = re.compile(r"[^\W_]{3,}")  # letters and digits only: one token to the full-text parser


def terms(q: str) -> list[str]:
    """The words of a query (at most `MAX_TERMS`)."""
    return _WORD.findall(q.lower())[:MAX_TERMS]


def as_typed(words: list[str], whole: bool = False) -> list[tuple[str, bool]]:
    """Each word and whether it matches as a prefix: only the last one, the word being typed; the
    others match whole (all of them with `whole`). A prefix is a range of the index's words
    (PostgreSQL's GIN gathers every incident of every word in it, ~100,000 for a common word,
    before combining), a whole word one list that the other words' lists skip through."""
    return [(word, not whole and i == len(words) - 1) for i, word in enumerate(words)]


def _texts(session: Session, incident: Incident, with_comments: bool) -> dict[str, Any]:
    body = [incident.title, incident.description or "", incident.location or ""]
    if with_comments:
        q = select(TimelineEvent.body).where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "comment")
        body += list(session.execute(q.order_by(TimelineEvent.id)).scalars())
    detection = incident.detection or {}
    words = [*(detection.get("indicators") or []), detection.get("sensor") or "", detection.get("rule") or ""]
    return {
        "id": incident.id,
        "title": incident.title,
        "body": "\n".join(t for t in body if t),
        "detection": " ".join(str(w) for w in words if w),
    }


def index_incident(session: Session, incident: Incident, with_comments: bool = True) -> None:
    """(Re)write the incident's entry, inside the caller's transaction."""
    session.flush()
    values = _texts(session, incident, with_comments)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "INSERT INTO incident_search (incident_id, title, body, detection) "
                "VALUES (:id, :title, :body, :detection) ON CONFLICT (incident_id) "
                "DO UPDATE SET title = excluded.title, body = excluded.body, "
                "detection = excluded.detection"
            ),
            values,
        )
    else:
        session.execute(  # FTS5 honours OR REPLACE on the rowid: the old entry's terms go with it
            text(
                "INSERT OR REPLACE INTO incident_search_fts (rowid, title, body, detection) "
                "VALUES (:id, :title, :body, :detection)"
            ),
            values,
        )


def index_comment(session: Session, incident_id: int, comment: str) -> None:
    """A new comment joins the incident's searchable text (no re-read of the others)."""
    values = {"id": incident_id, "comment": "\n" + comment}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("UPDATE incident_search SET body = body || :comment WHERE incident_id = :id"), values)
    else:
        session.execute(text("UPDATE incident_search_fts SET body = body || :comment WHERE rowid = :id"), values)


def _tsquery(words: list[str], whole: bool) -> str:
    """`to_tsquery` text: every word quoted (so no operator of the user's is read)."""
    return " & ".join(
        "'" + w.replace("'", "''").replace("\\", "") + "'" + (":*" if p else "") for w, p in as_typed(words, whole)
    )


def _fts5_query(words: list[str], with_detection: bool, whole: bool) -> str:
    phrase = " AND ".join('"' + w.replace('"', '""') + '"' + ("*" if p else "") for w, p in as_typed(words, whole))
    return phrase if with_detection else "{title body} : (" + phrase + ")"


def matches(dialect: str, q: str, with_detection: bool, whole: bool = False) -> Subquery | None:
    """(incident_id, rank) of the incidents matching `q` (higher rank: better); None when `q` has no word.
    `whole`, for two words or more: the last one too matches whole only (a subset of the matches,
    cheaper to count)."""
    words = terms(q)
    if not words:
        return None
    if dialect == "postgresql":
        return _pg_matches(q.strip(), words, with_detection, whole)
    fts: ColumnElement[Any] = literal_column("incident_search_fts")
    stmt = (
        select(literal_column("rowid", Integer).label("incident_id"), (-func.bm25(fts, 10.0, 1.0, 1.0)).label("rank"))
        .select_from(table("incident_search_fts"))
        .where(fts.op("MATCH")(bindparam("fts_query", _fts5_query(words, with_detection, whole))))
    )
    return stmt.subquery("search")


def _pg_matches(q: str, words: list[str], with_detection: bool, whole: bool) -> Subquery:
    s = table(
        "incident_search",
        column("incident_id", Integer),
        column("body", Text),
        column("detection", Text),
        column("public_tsv"),
        column("detection_tsv"),
    )
    query = func.to_tsquery(literal_column("'simple'::regconfig"), _tsquery(words, whole))
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rank: ColumnElement[Any] = func.ts_rank(s.c.public_tsv, query)
    fields = [(s.c.public_tsv, s.c.body)]
    if with_detection:
        fields.append((s.c.detection_tsv, s.c.detection))
        rank = rank + func.ts_rank(s.c.detection_tsv, query)
    conditions: list[ColumnElement[bool]] = []
    for tsv, raw in fields:
        # One plain word of 3+ characters: a word starting with it is also a substring, so the
        # substring test alone decides (one index to read, and a better estimate for the total).
        if not _PLAIN_WORD.fullmatch(q):
            conditions.append(tsv.op("@@")(query))
        # The trigram index answers substrings of 3+ characters, for a one-word `q` only: a phrase
        # as one substring adds little to its words' prefixes and costs a scan of common trigrams.
        if len(q) >= 3 and len(words) == 1:
            conditions.append(raw.ilike(like, escape="\\"))
    # As double precision: a real's text form does not round-trip into a cursor exactly.
    rank = cast(rank, DOUBLE)
    stmt = select(s.c.incident_id, rank.label("rank")).select_from(s).where(or_(*conditions))
    return stmt.subquery("search")


def ranked_at_once(
    q: Select[tuple[Incident]], matched: Select[Any], cap: int, per_page: int, offset: int = 0
) -> tuple[list[Incident], Total, str | None] | Total:
    """The first pages of a search in one reading of the matches (`matched`: the (id, rank) of
    `q`'s), when there are at most `cap`: the count, the ranked window (the RANKED_WINDOW newest
    matches, best first) and the page come from a single statement over the matches (numbered
    newest first, counted by window functions), instead of counting, finding the window and
    ranking it in three. Past `cap`, an estimate and `ranked_page`'s walk of the id index (the
    caller's second choice)."""
    m = matched.order_by(None).limit(cap + 1).subquery("m")
    numbered = select(
        m.c.id,
        m.c.rank,
        func.count().over().label("n"),
        func.row_number().over(order_by=m.c.id.desc()).label("newest"),
    ).subquery("numbered")
    in_window = numbered.c.newest <= RANKED_WINDOW
    page = (
        select(numbered.c.id, case((in_window, numbered.c.rank)).label("rank"), numbered.c.n)
        .add_columns(func.min(case((in_window, numbered.c.id))).over().label("start"))
        .order_by(case((in_window, 0), else_=1), case((in_window, numbered.c.rank)).desc(), numbered.c.id.desc())
        .offset(offset)
        .limit(per_page + 1)
    )
    found_rows = db.session.execute(page).all()
    counted = found_rows[0].n if found_rows else _count_capped(matched, cap)
    if counted > cap:
        return estimate_beyond(q, Incident.id, cap)
    start = found_rows[0].start if found_rows and counted > RANKED_WINDOW else None
    rows = _loaded(found_rows)
    return [i for i, _ in rows[:per_page]], Total(counted), _next_cursor(rows, per_page, start)


def _count_capped(matched: Select[Any], cap: int) -> int:
    limited = matched.order_by(None).limit(cap + 1).subquery()
    return int(db.session.execute(select(func.count()).select_from(limited)).scalar_one())


def _window_start(q: Select[tuple[Incident]], key: Any, total: Total) -> int | None:
    """The id of the oldest match in the ranked window; None when every match fits in it."""
    if not total.is_estimate and total.value <= RANKED_WINDOW:
        return None
    nth = q.with_only_columns(Incident.id).order_by(key.desc()).offset(RANKED_WINDOW - 1).limit(1)
    return db.session.execute(nth).scalar_one_or_none()


def ranked_page(
    q: Select[tuple[Incident]],
    found: Subquery,
    total: Total,
    per_page: int,
    offset: int = 0,
    after: str | None = None,
) -> tuple[list[Incident], str | None]:
    """A page of `q` (joined to `found`) in relevance order: the window of the newest matches best
    match first (rank, then newest), then the older matches newest first; and the next cursor.

    A cursor holds (rank or null in the older part, id, the window's oldest id), so a client
    paging with `after` keeps the window it started with.

    With more matches than the exact-count threshold (`total` an estimate), at least one row in
    a hundred of a million matches, so walking the id index newest first finds the window soon;
    with fewer, the matches are found through the search indexes and sorted, never by walking
    the id index (`id + 0` keeps PostgreSQL from trying), which could read every incident."""
    key = Incident.id if total.is_estimate else Incident.id + 0
    first: list[tuple[Incident, float | None]] | None = None
    if after:
        rank, last_id, start = decode_cursor(after, RELEVANCE, ("float?", "int", "int?"))
    else:
        rank, last_id = None, None
        start, first = _first_window(q, found, key, total, per_page, offset)
    window = q if start is None else q.where(key >= start)
    older = None if start is None else q.where(key < start)
    rows = first if first is not None else []
    if first is None and (last_id is None or rank is not None):
        ranked = window.add_columns(found.c.rank).order_by(found.c.rank.desc(), Incident.id.desc())
        if rank is not None:
            ranked = ranked.where(tuple_(found.c.rank, Incident.id) < tuple_(literal(rank, DOUBLE), literal(last_id)))
        elif offset:
            ranked = ranked.offset(offset)
        rows = [(r[0], r[1]) for r in db.session.execute(ranked.limit(per_page + 1))]
    if older is not None and len(rows) <= per_page:
        rest = older.order_by(key.desc()).limit(per_page + 1 - len(rows))
        if last_id is not None and rank is None:
            rest = rest.where(key < last_id)
        elif last_id is None and offset > RANKED_WINDOW:
            rest = rest.offset(offset - RANKED_WINDOW)
        rows += [(i, None) for i in db.session.execute(rest).scalars()]
    return [i for i, _ in rows[:per_page]], _next_cursor(rows, per_page, start)


def _first_window(
    q: Select[tuple[Incident]], found: Subquery, key: Any, total: Total, per_page: int, offset: int
) -> tuple[int | None, list[tuple[Incident, float | None]] | None]:
    """The window's oldest id and, when the page starts inside the window, its rows best first:
    one statement over the newest RANKED_WINDOW matches (found by walking the newest incidents),
    where finding the window and ranking it in two read the matches twice."""
    if not total.is_estimate and total.value <= RANKED_WINDOW:
        return None, None
    if offset >= RANKED_WINDOW:
        return _window_start(q, key, total), None
    newest = ids_and_ranks(q, found).order_by(key.desc()).limit(RANKED_WINDOW).subquery("newest")
    page = (
        select(newest.c.id, newest.c.rank, func.min(newest.c.id).over().label("start"), func.count().over().label("n"))
        .order_by(newest.c.rank.desc(), newest.c.id.desc())
        .offset(offset)
        .limit(per_page + 1)
    )
    found_rows = db.session.execute(page).all()
    if not found_rows:  # fewer matches than `offset`: all of them are in the window
        return None, []
    start = found_rows[0].start if found_rows[0].n >= RANKED_WINDOW else None
    return start, _loaded(found_rows)


def ids_and_ranks(q: Select[tuple[Incident]], found: Subquery) -> Select[Any]:
    """(id, rank) of the incidents of `q` (joined to the matches `found`)."""
    return q.with_only_columns(Incident.id.label("id"), found.c.rank.label("rank"), maintain_column_froms=True)


def _loaded(found_rows: Sequence[Row[Any]]) -> list[tuple[Incident, float | None]]:
    """The incidents of (id, rank) rows, in their order (the ids come from a need-to-know query)."""
    ids = [r.id for r in found_rows]
    by_id = {i.id: i for i in db.session.execute(select(Incident).where(Incident.id.in_(ids))).scalars()}
    return [(by_id[r.id], r.rank) for r in found_rows]


def _next_cursor(rows: list[tuple[Incident, float | None]], per_page: int, start: int | None) -> str | None:
    if len(rows) <= per_page:
        return None
    last, last_rank = rows[per_page - 1]
    return encode_cursor(RELEVANCE, [last_rank, last.id, start])
