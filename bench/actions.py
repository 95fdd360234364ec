"""Action lists at scale (issue 18, "big lists"): the first page of every filter and sort of
`GET /api/v1/actions`, a deep page by number and by cursor (`?after=`), a DSS officer's list, and
the /actions board and list pages, on PostgreSQL. Prints a table; not a test.

The actions belong to incidents made as bench/incidents.py makes them (bench/_scale.py), ten to
an incident, made inside PostgreSQL (`generate_series`, no ORM) like a long-lived deployment's:
ids grow with `created_at`, due one to fourteen days after (one in ten without a due date), most
done or cancelled, one in seven open, in progress or blocked (most of those overdue), two in three
OICT's and one in three DSS's (as their incidents' units), three in five assigned to one of 40
people. Each request goes through the HTTP test client (the full stack: token, schema, need to
know, count, page, JSON); each figure is also given as a ratio to `GET /api/v1/actions/{id}`
measured in the same run. The target is a first page under 50 ms median whatever the filter.

    python bench/actions.py                         # 1,000,000 actions (a few minutes to generate)
    python bench/actions.py --sizes 200000          # a smaller run
    python bench/actions.py --reuse --explain       # re-measure the last run's rows, print plans

It uses its own database, PostgreSQL `ih_actions_bench` (dropped and rebuilt; set BENCH_PG_URL).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import text

from bench._scale import (
    ApiClient,
    build_indexes,
    drop_indexes,
    generate_pg,
    list_bench,
    measure_api,
    page_client,
    time_get,
)

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/ih_actions_bench")
PER_INCIDENT = 10
ASSIGNEES = 40
CHUNK = 500_000

GENERATE_ASSIGNEES = """
INSERT INTO users (username, password_hash, role, unit, active, created_at)
SELECT 'bench-assignee-' || n, '!', CASE WHEN n % 3 = 0 THEN 'dss_officer' ELSE 'oict_responder' END,
    CASE WHEN n % 3 = 0 THEN 'DSS' ELSE 'OICT' END, true, now()
FROM generate_series(1, :n) AS n
"""
# Action g belongs to incident i = 1 + (g - 1) / 10 (bench/_scale.py: R4 physical → DSS; R3 hybrid →
# both units by turns; else OICT), made when its incident was (one a minute, the newest now).
# One in twenty open, in progress and blocked each, three in twenty cancelled, the rest done.
GENERATE_ACTIONS = """
INSERT INTO actions (id, title, description, phase, owner_unit, mandate, assignee_id, status, due_at,
    completed_at, evidence, blocked_reason, cancel_reason, incident_id, source_step, created_at, updated_at)
SELECT g,
    w[1 + g % array_length(w, 1)] || ' the ' || o[1 + (g / 3) % array_length(o, 1)] || ' (step ' || (g % 10) || ')',
    '', CASE WHEN g % 2 = 0 THEN 'mitigation' ELSE 'prevention' END,
    x.unit, CASE x.unit WHEN 'DSS' THEN 'physical_security' ELSE 'cyber' END,
    CASE WHEN g % 5 < 3 THEN (SELECT min(id) FROM users WHERE username LIKE 'bench-assignee-%')
        + (g / 7) % CAST(:assignees AS integer) END,
    x.status,
    CASE WHEN g % 10 <> 0 THEN x.created + make_interval(days => 1 + g % 14) END,
    CASE WHEN x.status = 'done' THEN x.created + interval '20 hours' END,
    CASE WHEN x.status = 'done' THEN 'ticket ' || g ELSE '' END,
    CASE WHEN x.status = 'blocked' THEN 'waiting for the vendor' ELSE '' END,
    CASE WHEN x.status = 'cancelled' THEN 'duplicate' ELSE '' END,
    x.incident, 'step-' || (g % 10), x.created, x.created + make_interval(secs => g % 7200)
FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g,
    LATERAL (SELECT 1 + (g - 1) / 10 AS i) AS a,
    LATERAL (SELECT a.i AS incident,
        CASE WHEN a.i % 7 = 0 THEN (CASE WHEN g % 2 = 0 THEN 'DSS' ELSE 'OICT' END)
             WHEN a.i % 3 = 0 THEN 'DSS' ELSE 'OICT' END AS unit,
        (CAST('{open,in_progress,blocked,cancelled,cancelled,cancelled' || repeat(',done', 14) || '}' AS text[]))
            [1 + (g / 3) % 20] AS status,
        now() - make_interval(mins => CAST(:incidents AS integer) - a.i) AS created) AS x,
    string_to_array('Rotate Patch Isolate Reimage Badge-audit Inspect Escort Brief Review Replace', ' ') AS w,
    string_to_array('keys hosts gate cameras firewall turnstile laptops accounts fence vpn', ' ') AS o
"""


def generate_actions(app: Flask, rows: int) -> None:
    """`rows` actions (ids 1…rows) of rows/10 generated incidents; indexes dropped during the load."""
    from incident_hub.extensions import db

    incidents = -(-rows // PER_INCIDENT)
    print(f"postgresql: generating {incidents:,} incidents", flush=True)
    generate_pg(app, incidents)
    print(f"postgresql: generating {rows:,} actions", flush=True)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(GENERATE_ASSIGNEES), {"n": ASSIGNEES})
        indexes = drop_indexes(conn, ("actions",))
        t0 = time.perf_counter()
        for start in range(1, rows + 1, CHUNK):
            bounds = {"start": start, "stop": min(rows, start + CHUNK - 1)}
            conn.execute(text(GENERATE_ACTIONS), {**bounds, "assignees": ASSIGNEES, "incidents": incidents})
        print(f"  actions: {time.perf_counter() - t0:.1f} s", flush=True)
        build_indexes(conn, indexes, "actions", rows)
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE actions"))


LIST_QUERIES = [
    ("soonest due (default)", ""),
    ("sort=-due_at", "sort=-due_at"),
    ("sort=-created_at", "sort=-created_at"),
    ("sort=created_at", "sort=created_at"),
    ("sort=-updated_at", "sort=-updated_at"),
    ("sort=status", "sort=status"),
    ("sort=-status", "sort=-status"),
    ("sort=title", "sort=title"),
    ("sort=owner_unit", "sort=owner_unit"),
    ("sort=-id", "sort=-id"),
    ("status=open (5%)", "status=open"),
    ("status=done (70%)", "status=done"),
    ("owner_unit=DSS", "owner_unit=DSS"),
    ("assignee (1 of 40)", "assignee=bench-assignee-7"),
    ("incident_id", "incident_id={incident}"),
    ("overdue=true", "overdue=true"),
    ("overdue=false", "overdue=false"),
    ("due in the next week", "due_before={week_ahead}"),
    ("status+owner+overdue", "status=blocked&owner_unit=DSS&overdue=true"),
    ("assignee+status=open", "assignee=bench-assignee-7&status=open"),
    ("status=open&sort=-created_at", "status=open&sort=-created_at"),
    ("page 200 (offset 9,950)", "page=200"),
    ("after a cursor 10,000 down", "@cursor"),
    ("after a cursor past the due dates", "@nulls"),
    ("DSS: soonest due", "@dss"),
    ("DSS: status=open", "@dss status=open"),
]


def _cursor(api: ApiClient) -> str:
    """The `next_cursor` 10,000 rows down the default list."""
    body = api.client.get("/api/v1/actions?per_page=500&page=20", headers=api.oict).get_json()
    return str(body["next_cursor"])


def _nulls_cursor(app: Flask) -> str:
    """A cursor among the actions without a due date (the tail of the default sort)."""
    from incident_hub.extensions import db
    from incident_hub.services.actions.queries import keyset

    with app.app_context():
        row_id = db.session.execute(text("SELECT max(id) / 20 * 10 FROM actions")).scalar_one()
        db.session.rollback()
        return keyset("due_at").cursor(None, int(row_id))


def measure(app: Flask, rows: int, args: argparse.Namespace) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    fmt = {"week_ahead": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"), "incident": rows // 20}

    def special(query: str, api: ApiClient) -> str:
        return "after=" + (_cursor(api) if query == "@cursor" else _nulls_cursor(app))

    out, api = measure_api(app, args, "actions", LIST_QUERIES, fmt, special)
    return out + _pages(app, _cursor(api), args, out[-1][2])


def _pages(app: Flask, deep: str, args: argparse.Namespace, ref: float) -> list[tuple[Any, ...]]:
    """The /actions pages (signed in with a session cookie): the board, the list, a deep list page."""
    client = page_client(app)
    out = []
    for label, url in (
        ("page /actions (board)", "/actions"),
        ("page /actions?owner_unit=DSS (board)", "/actions?owner_unit=DSS"),
        ("page /actions?mine=1 (board)", "/actions?mine=1"),
        ("page /actions?view=list", "/actions?view=list"),
        ("page /actions?view=list&overdue=y", "/actions?view=list&overdue=y"),
        ("page /actions list, 10,000 down (cursor)", f"/actions?view=list&page=201&after={deep}"),
    ):
        _, median, p95, _ = time_get(client, url, {}, lambda: None, args.repeat)
        out.append((label, "", median, p95, ref))
    return out


def main(argv: list[str] | None = None) -> None:
    list_bench(argv, __doc__ or "", "actions", PG_URL, generate_actions, measure)


if __name__ == "__main__":
    main()
