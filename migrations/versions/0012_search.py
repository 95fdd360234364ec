"""incident search: full text (PostgreSQL tsvector 'simple' + trigram; SQLite FTS5), filled from the incidents

Revision ID: 0012_search
Revises: 0014_notifications
Create Date: 2026-11-30 05:40:00.000000

The tables live outside the ORM metadata (services/incidents/search.py says why); migrations/env.py
and the alembic check skip them. Written in the same transaction as each change by the services.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0012_search"
down_revision = "0014_notifications"
branch_labels = None
depends_on = None

PG_TABLE = """
CREATE TABLE incident_search (
    incident_id integer PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    title text NOT NULL DEFAULT '',
    body text NOT NULL DEFAULT '',
    detection text NOT NULL DEFAULT '',
    public_tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, body), 'B')
    ) STORED,
    detection_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, detection)) STORED
)
"""
PG_INDEXES = (
    "CREATE INDEX ix_incident_search_public ON incident_search USING gin (public_tsv)",
    "CREATE INDEX ix_incident_search_detection ON incident_search USING gin (detection_tsv)",
    "CREATE INDEX ix_incident_search_body_trgm ON incident_search USING gin (body gin_trgm_ops)",
    "CREATE INDEX ix_incident_search_detection_trgm ON incident_search USING gin (detection gin_trgm_ops)",
)
PG_FILL = """
INSERT INTO incident_search (incident_id, title, body, detection)
SELECT i.id, i.title,
       concat_ws(E'\\n', i.title, nullif(i.description, ''), nullif(i.location, ''),
                 (SELECT string_agg(e.body, E'\\n' ORDER BY e.id) FROM timeline_events e
                  WHERE e.incident_id = i.id AND e.kind = 'comment')),
       concat_ws(' ',
                 CASE WHEN json_typeof(i.detection -> 'indicators') = 'array'
                      THEN (SELECT string_agg(x, ' ') FROM json_array_elements_text(i.detection -> 'indicators') x) END,
                 i.detection ->> 'sensor', i.detection ->> 'rule')
FROM incidents i
"""
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE incident_search_fts USING fts5(title, body, detection, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)
SQLITE_FILL = """
INSERT INTO incident_search_fts (rowid, title, body, detection)
SELECT i.id, i.title,
       i.title || coalesce(char(10) || nullif(i.description, ''), '') || coalesce(char(10) || nullif(i.location, ''), '')
       || coalesce((SELECT char(10) || group_concat(e.body, char(10)) FROM
                    (SELECT body FROM timeline_events WHERE incident_id = i.id AND kind = 'comment' ORDER BY id) e), ''),
       trim(coalesce(CASE WHEN json_type(i.detection, '$.indicators') = 'array'
                          THEN (SELECT group_concat(value, ' ') FROM json_each(i.detection, '$.indicators')) END, '')
            || ' ' || coalesce(json_extract(i.detection, '$.sensor'), '')
            || ' ' || coalesce(json_extract(i.detection, '$.rule'), ''))
FROM incidents i
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(PG_TABLE)
        for statement in PG_INDEXES:
            op.execute(statement)
        op.execute(PG_FILL)
    else:
        op.execute(SQLITE_TABLE)
        op.execute(SQLITE_FILL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE incident_search")
    else:
        op.execute("DROP TABLE incident_search_fts")
