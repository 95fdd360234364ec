"""Incident lists at scale (issue 18, "Lists at 1,000,000 incidents"): the first page of every
filter and sort of `GET /api/v1/incidents`, a deep page by number and by cursor (`?after=`), a
DSS officer's list, and the /incidents page, on PostgreSQL. Prints a table; not a test.

Rows are made inside PostgreSQL (bench/_scale.py: `generate_series`, no ORM). Each request goes
through the HTTP test client (the full stack: token, schema, need to know, count, page, JSON).
Every figure is printed in ms and as a ratio to a reference measured in the same run, between
the same requests: `GET /api/v1/incidents/{id}`, one incident read by its key through the same
stack. The target is a first page under 50 ms median whatever the filter.

    python bench/incidents.py                         # 1,000,000 incidents (a few minutes to generate)
    python bench/incidents.py --sizes 100000,1000000  # grows the same database
    python bench/incidents.py --reuse --explain       # re-measure the last run's rows, print plans

It uses its own database, PostgreSQL `ih_incidents_bench` (dropped and rebuilt; set BENCH_PG_URL).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from bench._scale import ApiClient, explain, generate_pg, list_bench, measure_api, page_client, time_get, token

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/ih_incidents_bench")
LIST_QUERIES = [
    ("list newest", ""),
    ("status=acknowledged (5%)", "status=acknowledged"),
    ("status=closed (70%)", "status=closed"),
    ("lead_unit=DSS", "lead_unit=DSS"),
    ("severity=critical", "severity=critical"),
    ("hybrid=true", "hybrid=true"),
    ("rule=R3", "rule=R3"),
    ("created in a week", "created_after={week_ago}&created_before={now}"),
    ("created in a day", "created_after={day_ago}"),
    ("status+lead+severity", "status=new&lead_unit=OICT&severity=high"),
    ("sort=-severity", "sort=-severity"),
    ("sort=status", "sort=status"),
    ("sort=-status", "sort=-status"),
    ("sort=title", "sort=title"),
    ("sort=-updated_at", "sort=-updated_at"),
    ("sort=occurred_at", "sort=occurred_at"),
    ("status=new&sort=-severity", "status=new&sort=-severity"),
    ("q=ransomware (1 in 6)", "q=ransomware"),
    ("q=site 512 (1 in 1000)", "q=site%20512"),
    ("page 200 (offset 9,950)", "page=200"),
    ("after a cursor 10,000 down", "@cursor"),
    ("DSS: list newest", "@dss"),
    ("DSS: status=closed", "@dss status=closed"),
]


def _cursor(query: str, api: ApiClient) -> str | None:
    """`after=` the `next_cursor` 10,000 rows down the newest-first list."""
    body = api.client.get("/api/v1/incidents?per_page=500&page=20", headers=api.oict).get_json()
    cursor = body.get("next_cursor")
    return None if cursor is None else "after=" + cursor  # None: a version without keyset paging


def measure(app: Flask, rows: int, args: argparse.Namespace) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    fmt = {
        "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "week_ago": (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "day_ago": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    out, _ = measure_api(app, args, "incidents", LIST_QUERIES, fmt, _cursor)
    return out + _page(app, args, out[-1][2])


def _page(app: Flask, args: argparse.Namespace, ref: float) -> list[tuple[Any, ...]]:
    """The /incidents page (signed in with a session cookie): list newest and a filter."""
    client = page_client(app)
    out = []
    for label, url in (
        ("page /incidents", "/incidents"),
        ("page /incidents?status=closed", "/incidents?status=closed"),
    ):
        _, median, p95, _ = time_get(client, url, {}, lambda: None, args.repeat)
        out.append((label, "", median, p95, ref))
    return out


def _explain(app: Flask, qs: str, as_dss: bool) -> None:
    """For bench/search.py: the plans of one request."""
    who = "dss_officer" if as_dss else "oict_responder"
    headers = {"Authorization": f"Bearer {token(app, who, 'DSS' if as_dss else 'OICT')}"}
    explain(app, f"/api/v1/incidents?{qs}", headers, "incidents")


def generate(app: Flask, size: int) -> None:
    print(f"postgresql: generating {size:,} incidents", flush=True)
    generate_pg(app, size)


def main(argv: list[str] | None = None) -> None:
    list_bench(argv, __doc__ or "", "incidents", PG_URL, generate, measure)


if __name__ == "__main__":
    main()
