"""Full-text search of incidents (`q` of API.md "Incidents"; issue 12 "Lists that scale").

What is searched: title, description, location and timeline comments for everyone who may see the
incident; detection indicators, sensor and rule only for the cyber-cleared (OICT and managers, para 6).
The index is kept in the same transaction as the change (`index_incident`, `index_comment`), by the
use cases that change those texts. Matches are ranked (title words weigh more).

- PostgreSQL: table `incident_search` with generated `tsvector` columns in the `simple` configuration
  (no stemming, so every language works) and GIN indexes; every word of `q` matches as a prefix, and
  a `q` of 3+ characters also matches anywhere inside a word through the trigram index (pg_trgm).
- SQLite: the FTS5 table `incident_search_fts` (unicode61, diacritics folded); words match as prefixes.

Both tables live outside the ORM metadata (migration 0012_search creates them; models/search.py).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    Text,
    bindparam,
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
from sqlalchemy.orm import Session

from incident_hub.domain.paging import decode_cursor, encode_cursor
from incident_hub.extensions import db
from incident_hub.models import Incident, TimelineEvent
from incident_hub.services.listing import Total

MAX_TERMS = 8
RELEVANCE = "relevance"  # the sort of a `q` search: best match first
# Relevance ranks the newest this many matches (by id, i.e. as recorded); older matches follow,
# newest first. Ranking every match of a common word would read them all (issue 12, "Search at 1M").
RANKED_WINDOW = 500
DOUBLE = Float(precision=53)
_WORD = re.compile(r"\w[\w.@:/+-]*\w|\w", re.UNICODE)
_PLAIN_WORD = re.compile(r"[^\W_]{3,}")  # letters and digits only: one token to the full-text parser


def terms(q: str) -> list[str]:
    """The words of a query (at most `MAX_TERMS`), each matched as a prefix."""
    return _WORD.findall(q.lower())[:MAX_TERMS]


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


def _tsquery(words: list[str]) -> str:
    """`to_tsquery` text: every word quoted (so no operator of the user's is read) and a prefix."""
    return " & ".join("'" + w.replace("'", "''").replace("\\", "") + "':*" for w in words)


def _fts5_query(words: list[str], with_detection: bool) -> str:
    phrase = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
    return phrase if with_detection else "{title body} : (" + phrase + ")"


def matches(dialect: str, q: str, with_detection: bool) -> Subquery | None:
    """(incident_id, rank) of the incidents matching `q` (higher rank: better); None when `q` has no word."""
    words = terms(q)
    if not words:
        return None
    if dialect == "postgresql":
        return _pg_matches(q.strip(), words, with_detection)
    fts: ColumnElement[Any] = literal_column("incident_search_fts")
    stmt = (
        select(literal_column("rowid", Integer).label("incident_id"), (-func.bm25(fts, 10.0, 1.0, 1.0)).label("rank"))
        .select_from(table("incident_search_fts"))
        .where(fts.op("MATCH")(bindparam("fts_query", _fts5_query(words, with_detection))))
    )
    return stmt.subquery("search")


def _pg_matches(q: str, words: list[str], with_detection: bool) -> Subquery:
    s = table(
        "incident_search",
        column("incident_id", Integer),
        column("body", Text),
        column("detection", Text),
        column("public_tsv"),
        column("detection_tsv"),
    )
    query = func.to_tsquery(literal_column("'simple'::regconfig"), _tsquery(words))
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
        if len(q) >= 3:  # the trigram index answers substrings of 3+ characters
            conditions.append(raw.ilike(like, escape="\\"))
    # As double precision: a real's text form does not round-trip into a cursor exactly.
    rank = cast(rank, DOUBLE)
    stmt = select(s.c.incident_id, rank.label("rank")).select_from(s).where(or_(*conditions))
    return stmt.subquery("search")


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
    if after:
        rank, last_id, start = decode_cursor(after, RELEVANCE, ("float?", "int", "int?"))
    else:
        rank, last_id, start = None, None, _window_start(q, key, total)
    window = q if start is None else q.where(key >= start)
    older = None if start is None else q.where(key < start)
    rows: list[tuple[Incident, float | None]] = []
    if last_id is None or rank is not None:
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
    cursor = None
    if len(rows) > per_page:
        last, last_rank = rows[per_page - 1]
        cursor = encode_cursor(RELEVANCE, [last_rank, last.id, start])
    return [i for i, _ in rows[:per_page]], cursor
