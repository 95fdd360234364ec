"""Dashboard bench: GET /api/v1/dashboard at 1,000,000 incidents and 5,000,000 actions.

Seeds its own databases (never the app's): PostgreSQL `ih_web_bench` (BENCH_PG_URL) with
`INSERT … SELECT generate_series`, and a temporary SQLite file with a recursive CTE, both
after the Alembic migrations (so the real indexes are measured). Then times the endpoint
(cache disabled) and prints the median of several runs.

    python bench/dashboard.py [--incidents N] [--actions N] [--runs K] [--only sqlite|postgresql]

Targets (issue 8): < 200 ms median on PostgreSQL, < 600 ms on SQLite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from incident_hub import create_app
from incident_hub.settings import Settings

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/ih_web_bench")
DAYS = 730  # incidents spread over two years; the dashboard's default period is the last 30 days
# Work still open is recent: incidents older than 90 days and actions older than 60 days are all
# resolved/closed or done/cancelled (a backlog of 750,000 overdue actions would not be a real one).
# Stage k (0-19) of row i: status and timestamps follow from it.

# One row per incident i: every value derived from i, so both engines hold the same data.
PG_INCIDENTS = """
INSERT INTO incidents (title, description, vectors, effects, deliberate, severity, location, tlp, occurred_at,
  detection, status, cyber_component, physical_security_effect, hybrid, hybrid_criteria, lead_unit, partner_units,
  informed_units, rule, routing_basis, routing_explanation, lead_overridden, joint_assessment_due_at,
  created_by_id, created_at, updated_at, acknowledged_at, contained_at, resolved_at, closed_at)
SELECT 'bench ' || i, '', CASE WHEN i % 4 = 0 THEN '["physical"]' ELSE '["digital"]' END::json,
  '["programme_disruption", "premises_security_gap"]'::json, true,
  (ARRAY['low','medium','high','critical'])[1 + i % 4], '', 'TLP:AMBER', NULL, NULL,
  CASE WHEN k = 0 THEN 'new' WHEN k = 1 THEN 'acknowledged' WHEN k = 2 THEN 'contained'
       WHEN k < 10 THEN 'resolved' ELSE 'closed' END,
  i % 4 <> 0, true, i % 4 = 1, '{}'::json, CASE WHEN i % 4 = 0 THEN 'DSS' ELSE 'OICT' END, '[]'::json, '[]'::json,
  'R' || (1 + i % 5), 'bench', 'bench', false, NULL, NULL,
  c, c, CASE WHEN k >= 1 THEN c + make_interval(mins => 5 + i % 240) END,
  CASE WHEN k >= 2 THEN c + make_interval(mins => 60 + i % 900) END,
  CASE WHEN k >= 3 THEN c + make_interval(mins => 600 + i % 5000) END,
  CASE WHEN k >= 10 THEN c + make_interval(mins => 7000 + i % 3000) END
FROM (SELECT i, (now() at time zone 'utc') - make_interval(secs => (i::float8 * 86400 * :days / :n)) AS c,
             CASE WHEN i::float8 * :days / :n < 90 THEN i % 20 ELSE 3 + i % 17 END AS k
      FROM generate_series(1, :n) AS i) AS g
"""
PG_ACTIONS = """
INSERT INTO actions (title, description, phase, owner_unit, mandate, assignee_id, status, due_at, completed_at,
  evidence, blocked_reason, incident_id, assessment_id, playbook_id, source_step, escalated_at, created_at, updated_at)
SELECT 'step ' || j, '', CASE WHEN j % 2 = 0 THEN 'prevention' ELSE 'mitigation' END,
  CASE WHEN j % 3 = 0 THEN 'DSS' ELSE 'OICT' END, NULL, NULL,
  (ARRAY['open','in_progress','blocked','done','done','done','done','done','done','cancelled',
         'done','done','done','done','done','done','done','done','done','done'])[1 + k],
  c + interval '2 days', CASE WHEN k >= 3 AND k <> 9 THEN c + interval '1 day' END,
  '', '', 1 + (j % :ni), NULL, NULL, NULL, NULL, c, c
FROM (SELECT j, (now() at time zone 'utc') - make_interval(secs => (j::float8 * 86400 * :days / :n)) AS c,
             CASE WHEN j::float8 * :days / :n < 60 THEN j % 20 ELSE 3 + j % 17 END AS k
      FROM generate_series(1, :n) AS j) AS g
"""


# The same rows for SQLite: a recursive CTE instead of generate_series, timestamps in
# SQLAlchemy's SQLite storage format.
SQLITE_INCIDENTS = """
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n),
g AS (SELECT i, julianday('now') - (i * 1.0 * :days / :n) AS c,
      CASE WHEN i * 1.0 * :days / :n < 90 THEN i % 20 ELSE 3 + i % 17 END AS k FROM s)
INSERT INTO incidents (title, description, vectors, effects, deliberate, severity, location, tlp, occurred_at,
  detection, status, cyber_component, physical_security_effect, hybrid, hybrid_criteria, lead_unit, partner_units,
  informed_units, rule, routing_basis, routing_explanation, lead_overridden, joint_assessment_due_at,
  created_by_id, created_at, updated_at, acknowledged_at, contained_at, resolved_at, closed_at)
SELECT 'bench ' || i, '', CASE WHEN i % 4 = 0 THEN '["physical"]' ELSE '["digital"]' END,
  '["programme_disruption", "premises_security_gap"]', 1,
  CASE i % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' ELSE 'critical' END, '', 'TLP:AMBER', NULL,
  NULL,
  CASE WHEN k = 0 THEN 'new' WHEN k = 1 THEN 'acknowledged' WHEN k = 2 THEN 'contained'
       WHEN k < 10 THEN 'resolved' ELSE 'closed' END,
  i % 4 <> 0, 1, i % 4 = 1, '{}', CASE WHEN i % 4 = 0 THEN 'DSS' ELSE 'OICT' END, '[]', '[]',
  'R' || (1 + i % 5), 'bench', 'bench', 0, NULL, NULL,
  strftime('%Y-%m-%d %H:%M:%S', c) || '.000000', strftime('%Y-%m-%d %H:%M:%S', c) || '.000000',
  CASE WHEN k >= 1 THEN strftime('%Y-%m-%d %H:%M:%S', c + (5 + i % 240) / 1440.0) || '.000000' END,
  CASE WHEN k >= 2 THEN strftime('%Y-%m-%d %H:%M:%S', c + (60 + i % 900) / 1440.0) || '.000000' END,
  CASE WHEN k >= 3 THEN strftime('%Y-%m-%d %H:%M:%S', c + (600 + i % 5000) / 1440.0) || '.000000' END,
  CASE WHEN k >= 10 THEN strftime('%Y-%m-%d %H:%M:%S', c + (7000 + i % 3000) / 1440.0) || '.000000' END
FROM g
"""
SQLITE_ACTIONS = """
WITH RECURSIVE s(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM s WHERE j < :n),
g AS (SELECT j, julianday('now') - (j * 1.0 * :days / :n) AS c,
      CASE WHEN j * 1.0 * :days / :n < 60 THEN j % 20 ELSE 3 + j % 17 END AS k FROM s)
INSERT INTO actions (title, description, phase, owner_unit, mandate, assignee_id, status, due_at, completed_at,
  evidence, blocked_reason, incident_id, assessment_id, playbook_id, source_step, escalated_at, created_at, updated_at)
SELECT 'step ' || j, '', CASE WHEN j % 2 = 0 THEN 'prevention' ELSE 'mitigation' END,
  CASE WHEN j % 3 = 0 THEN 'DSS' ELSE 'OICT' END, NULL, NULL,
  CASE k WHEN 0 THEN 'open' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'blocked' WHEN 9 THEN 'cancelled'
    ELSE 'done' END,
  strftime('%Y-%m-%d %H:%M:%S', c + 2) || '.000000',
  CASE WHEN k >= 3 AND k <> 9 THEN strftime('%Y-%m-%d %H:%M:%S', c + 1) || '.000000' END,
  '', '', 1 + (j % :ni), NULL, NULL, NULL, NULL,
  strftime('%Y-%m-%d %H:%M:%S', c) || '.000000', strftime('%Y-%m-%d %H:%M:%S', c) || '.000000'
FROM g
"""


def _reset_pg() -> None:
    base = PG_URL.rsplit("/", 1)[0] + "/postgres"
    admin = create_engine("postgresql+psycopg://" + base.split("://", 1)[1], isolation_level="AUTOCOMMIT")
    name = PG_URL.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _app(url: str):  # type: ignore[no-untyped-def]
    settings = Settings(env="testing", secret_key="bench", database_url=url, extra={"dashboard_cache_seconds": 0})
    return create_app(settings)


def seed(url: str, n_incidents: int, n_actions: int) -> float:
    """Migrate and bulk-generate; returns the seconds it took."""
    from flask_migrate import upgrade

    from incident_hub.extensions import db

    app = _app(url)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        pg = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_head (id, seq, hash) SELECT 1, 0, :h WHERE NOT EXISTS (SELECT 1 FROM audit_head)"
                ),
                {"h": "0" * 64},
            )
            conn.execute(text(PG_INCIDENTS if pg else SQLITE_INCIDENTS), {"n": n_incidents, "days": DAYS})
            conn.execute(text(PG_ACTIONS if pg else SQLITE_ACTIONS), {"n": n_actions, "days": DAYS, "ni": n_incidents})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if pg else "ANALYZE"))
        db.engine.dispose()
    return time.perf_counter() - started


def time_endpoint(url: str, runs: int, query: str = "") -> tuple[float, float, int]:
    """(median ms, max ms, status) of GET /api/v1/dashboard with a manager's token, cache off."""
    from incident_hub.extensions import db
    from incident_hub.services.admin.tokens import create_token
    from incident_hub.services.admin.users import create_user

    app = _app(url)
    with app.app_context():
        name = f"bench-manager-{time.time_ns()}"
        create_user(name, "manager", None, "bench-password-123", actor="bench")
        _, raw = create_token(name, "bench", actor="bench")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {raw}"}
        status = client.get("/api/v1/dashboard" + query, headers=headers).status_code  # warm-up
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            status = client.get("/api/v1/dashboard" + query, headers=headers).status_code
            samples.append((time.perf_counter() - started) * 1000)
        db.engine.dispose()
    return statistics.median(samples), max(samples), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--actions", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    rows = []
    targets = {"postgresql": 200.0, "sqlite": 600.0}
    for engine in ("postgresql", "sqlite"):
        if args.only and args.only != engine:
            continue
        if engine == "postgresql":
            try:
                _reset_pg()
            except Exception as exc:  # no server: say so and go on with SQLite
                print(f"PostgreSQL unavailable ({exc.__class__.__name__}); skipped", flush=True)
                continue
            url = PG_URL
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='ih_web_bench_')) / 'bench.sqlite'}"
        seconds = seed(url, args.incidents, args.actions)
        print(
            f"{engine}: seeded {args.incidents:,} incidents + {args.actions:,} actions in {seconds:.1f} s", flush=True
        )
        for label, query in (("all units, last 30 days", ""), ("unit=OICT, last 30 days", "?unit=OICT")):
            median, worst, status = time_endpoint(url, args.runs, query)
            verdict = "ok" if median < targets[engine] and status == 200 else "OVER TARGET"
            rows.append((engine, label, median, worst, targets[engine], verdict))
            print(f"  {label}: median {median:.1f} ms", flush=True)
    print()
    print(f"{'database':<11} {'query':<26} {'median ms':>10} {'max ms':>9} {'target':>8}  verdict")
    for engine, label, median, worst, target, verdict in rows:
        print(f"{engine:<11} {label:<26} {median:>10.1f} {worst:>9.1f} {target:>8.0f}  {verdict}")
    print(f"({args.incidents:,} incidents over {DAYS} days, {args.actions:,} actions, {args.runs} runs, cache off)")


if __name__ == "__main__":
    main()
