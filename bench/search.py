"""Incident search at scale (issue 12, "Search at 1M"): `GET /api/v1/incidents?q=…` at 1,000,000
incidents on PostgreSQL, rare words to words in every incident. Prints each query's matches
(`~`: an estimate), median and p95 latency, and its ratio to a reference measured in the same
run (`GET /api/v1/incidents/{id}`); the target is under 100 ms median. Not a test.

Rows are made inside PostgreSQL (bench/_scale.py: `generate_series`; the search table filled by
the very statement of migration 0012_search). Each query goes through the HTTP test client (the
full stack: token, schema, need to know, the capped count and the ranked page of 50).

    python bench/search.py                      # 1,000,000 incidents (a few minutes to generate)
    python bench/search.py --rows 100000
    python bench/search.py --reuse --explain    # re-measure the rows of the last run, print plans

It uses its own database, PostgreSQL `ih_search_bench` (dropped and rebuilt; set BENCH_SEARCH_PG_URL).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from bench._scale import generate_pg, incident_count, pg_app, timed, token

PG_URL = os.environ.get("BENCH_SEARCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/ih_search_bench")
QUERIES = [
    ("no q (the same page, baseline)", "", "oict"),
    ("rare word (~100 matches)", "zanzibarite", "oict"),
    ("word in a title (~1/6)", "ransomware", "oict"),
    ("word in every incident", "checked", "oict"),
    ("two common words", "reported checked", "oict"),
    ("two words", "ransomware vpn", "oict"),
    ("word start (prefix)", "zanzib", "oict"),
    ("inside a word (trigram)", "nzibari", "oict"),
    ("common word inside (trigram)", "ansomwar", "oict"),
    ("a comment word + number", "ticket 424241", "oict"),
    ("indicator (OICT)", "host424241.example", "oict"),
    ("city, DSS need to know", "nairobi elevator", "dss"),
    ("common word, DSS", "checked", "dss"),
]


def measure(app: Flask, rows: int, repeat: int, explain: bool) -> list[tuple[str, str, str, float, float, float]]:
    tokens = {"oict": token(app, "oict_responder", "OICT"), "dss": token(app, "dss_officer", "DSS")}
    client, out = app.test_client(), []
    oict = {"Authorization": f"Bearer {tokens['oict']}"}
    one = f"/api/v1/incidents/{rows // 2}"

    def reference() -> None:
        assert client.get(one, headers=oict).status_code == 200

    for name, q, who in QUERIES:
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        url = f"/api/v1/incidents?q={quote(q)}&per_page=50" if q else "/api/v1/incidents?per_page=50"
        first = client.get(url, headers=headers)
        assert first.status_code == 200, first.get_json()
        body = first.get_json()

        def get(url: str = url, headers: dict[str, str] = headers) -> None:
            client.get(url, headers=headers)

        ref, _ = timed(reference, repeat)
        median, p95 = timed(get, repeat)
        total = f"{'~' if body.get('total_is_estimate') else ''}{body['total']:,}"
        out.append((name, q, total, median, p95, ref))
        if explain:
            from bench.incidents import _explain

            _explain(app, f"q={quote(q)}" if q else "", who == "dss")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per query")
    parser.add_argument("--reuse", action="store_true", help="keep the rows a previous run generated")
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL plans (EXPLAIN ANALYZE)")
    args = parser.parse_args(argv)
    app = pg_app(PG_URL, fresh=not args.reuse)
    if not args.reuse:
        print(f"postgresql: generating {args.rows:,} incidents", flush=True)
        generate_pg(app, args.rows)
    rows = incident_count(app)
    out = measure(app, rows, args.repeat, args.explain)
    print(
        f"\n{rows:,} incidents, PostgreSQL, first page of 50 (× ref: over GET /api/v1/incidents/{{id}} in the same run)"
    )
    print(f"{'query':<32} {'q':<20} {'matches':>10} {'median ms':>10} {'p95 ms':>8} {'× ref':>6}")
    for name, q, total, median, p95, ref in out:
        print(f"{name:<32} {q:<20} {total:>10} {median:>10.1f} {p95:>8.1f} {median / ref:>6.1f}")
    print(
        f"reference GET /api/v1/incidents/{{id}}: {sorted(r[5] for r in out)[len(out) // 2]:.1f} ms (median of medians)"
    )


if __name__ == "__main__":
    main()
