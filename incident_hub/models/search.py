"""Tables the ORM does not map: the incident full-text search (migration 0012_search;
services/incidents/search.py). Their column types (PostgreSQL generated `tsvector`, an SQLite
FTS5 virtual table and its shadow tables) have no portable SQLAlchemy form, so autogenerate and
the alembic check skip them through `include_name`."""

from __future__ import annotations

UNMAPPED_TABLE_PREFIXES = ("incident_search", "incident_search_fts")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: leave the search tables (and their indexes) out of comparisons."""
    return not (type_ == "table" and name and name.startswith(UNMAPPED_TABLE_PREFIXES))
