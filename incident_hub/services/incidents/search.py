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
    Integer,
    Subquery,
    Text,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from incident_hub.models import Incident, TimelineEvent

MAX_TERMS = 8
_WORD = re.compile(r"\w[\w.@:/+-]*\w|\w", re.UNICODE)


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
    conditions = [s.c.public_tsv.op("@@")(query)]
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if len(q) >= 3:  # the trigram index answers substrings of 3+ characters
        conditions.append(s.c.body.ilike(like, escape="\\"))
    rank: ColumnElement[Any] = func.ts_rank(s.c.public_tsv, query)
    if with_detection:
        conditions.append(s.c.detection_tsv.op("@@")(query))
        if len(q) >= 3:
            conditions.append(s.c.detection.ilike(like, escape="\\"))
        rank = rank + func.ts_rank(s.c.detection_tsv, query)
    stmt = select(s.c.incident_id, rank.label("rank")).select_from(s).where(or_(*conditions))
    return stmt.subquery("search")
