"""Intake benchmark (issue 7): N signed deliveries — new fingerprints, repeats of open ones,
resolved alerts, exact duplicates — from several client threads to gunicorn (2 workers) on
127.0.0.1, against SQLite and PostgreSQL; in the same run, a reference endpoint doing one ORM
INSERT per request (bench/reference_app.py). Prints deliveries/s, p50/p99, the ratio to the
reference, SQL statements per request by path, and checks that every acknowledged delivery is
stored exactly once.

    python bench/intake.py [--n 2000] [--threads 8] [--db sqlite,postgresql] [--mix realistic|new-heavy]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402

from incident_hub import create_app  # noqa: E402
from incident_hub.settings import Settings  # noqa: E402
from tests.intake.factories import PAYLOADS, signed_headers  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("BENCH_PG_DB", "ih_intake_bench")  # one per concurrent bencher
SECRET_KEY = "bench-secret-key-not-for-production"
FORMATS = ("alertmanager", "grafana", "generic")
MIXES = {  # share of each kind of delivery
    "realistic": (("new", 0.15), ("repeat", 0.45), ("resolved", 0.15), ("duplicate", 0.25)),
    "new-heavy": (("new", 0.35), ("repeat", 0.30), ("resolved", 0.15), ("duplicate", 0.20)),
}
MIX = MIXES["realistic"]
PHASES = 8  # alternating slices of the run per endpoint
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


@dataclass
class Delivery:
    kind: str
    fmt: str
    body: bytes
    msg_id: str


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    acked: list[tuple[int, int, bytes]] = field(default_factory=list)  # (status, delivery_id, body)
    seconds: float = 0.0

    def add(self, other: Outcome) -> None:
        self.latencies += other.latencies
        self.acked += other.acked
        self.seconds += other.seconds
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n


def _alert_payload(fmt: str, fp: str, status: str, n: int) -> bytes:
    data = json.loads(json.dumps(PAYLOADS[fmt]))
    alert = data["alerts"][0]
    alert.update(status=status, fingerprint=fp, annotations={"summary": f"reading {n}"})
    alert["labels"] = {**alert["labels"], "instance": f"host-{fp}"}
    if status == "resolved":
        alert["endsAt"] = "2025-01-15T10:00:00Z"
    data["status"] = status
    data.pop("groupLabels", None)  # one incident per fingerprint: the worst case for the bench
    return json.dumps(data).encode()


def build_mix(n: int, mix: str = "realistic", seed: int = 7) -> list[Delivery]:
    """Repeats, resolutions and duplicates refer to deliveries well before them in the sequence:
    a tool re-sends an alert after its group interval, not while its last delivery is in flight."""
    rnd, out, open_fps = random.Random(seed), [], {f: [] for f in FORMATS}
    last_used: dict[str, int] = {}
    kinds, weights = zip(*MIXES[mix], strict=True)
    for i in range(n):
        fmt = FORMATS[i % 3]
        kind = rnd.choices(kinds, weights)[0] if i > 60 else "new"
        older = [d for d in out[: max(0, len(out) - 30)] if d.fmt == fmt]
        if kind == "duplicate" and older:
            out.append(Delivery("duplicate", fmt, *_pick(rnd, older)))
            continue
        idle = [fp for fp in open_fps[fmt] if i - last_used[fp] > 30]
        if kind in ("repeat", "resolved") and idle:
            fp = rnd.choice(idle)
            last_used[fp] = i
            if kind == "resolved":
                open_fps[fmt].remove(fp)
            out.append(Delivery(kind, fmt, _alert_payload(fmt, fp, kind.replace("repeat", "firing"), i), f"m{i}"))
            continue
        fp = f"{fmt[:2]}{i:014x}"
        open_fps[fmt].append(fp)
        last_used[fp] = i
        out.append(Delivery("new", fmt, _alert_payload(fmt, fp, "firing", i), f"m{i}"))
    return out


def _pick(rnd: random.Random, older: list[Delivery]) -> tuple[bytes, str]:
    d = rnd.choice(older)
    return d.body, d.msg_id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app_path: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    cmd = [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_path]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"gunicorn {app_path} did not start")


def _send(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any], float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", path, body=body, headers={**headers, "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data or b"{}"), time.perf_counter() - start


def run_load(port: int, jobs: list[tuple[str, bytes, Any]], threads: int) -> Outcome:
    """`jobs`: (path, body, headers-or-callable); a callable signs at send time (fresh timestamp)."""
    outcome, lock, cursor = Outcome(), threading.Lock(), iter(range(len(jobs)))

    def worker() -> None:
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            path, body, headers = jobs[i]
            try:
                status, data, seconds = _send(port, path, body, headers() if callable(headers) else headers)
            except (OSError, http.client.HTTPException):
                status, data, seconds = 0, {}, 0.0  # counted as status 0: the run is then not valid
            with lock:
                outcome.latencies.append(seconds)
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                if status in (200, 202):
                    outcome.acked.append((status, int(data.get("delivery_id") or data.get("id")), body))

    start = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    outcome.seconds = time.perf_counter() - start
    return outcome


def prepare(url: str) -> dict[str, tuple[str, str]]:
    """A fresh schema, and one source per format: {format: (name, secret)}."""
    from flask_migrate import upgrade

    from incident_hub.services.intake.sources import create_source

    app = create_app(Settings(env="development", secret_key=SECRET_KEY, database_url=url))
    with app.app_context():
        upgrade()
        add_people()
        return {fmt: (f"bench-{fmt}", create_source("bench", f"bench-{fmt}", fmt)[1]) for fmt in FORMATS}


PEOPLE = (("oict_responder", "OICT", 12), ("dss_officer", "DSS", 8), ("manager", "OICT", 2))


def add_people() -> None:
    """The people a new incident reaches (R5 triage: OICT's members, each with an email address), so
    the notification fan-out (in-app rows and email outbox rows) is measured too."""
    from incident_hub.services.admin.users import create_user

    for role, unit, count in PEOPLE:
        for i in range(count):
            name = f"bench-{role}-{i}"
            create_user(name, role, unit, "bench-password-123", actor="bench", email=f"{name}@example.org")


def intake_jobs(mix: list[Delivery], sources: dict[str, tuple[str, str]]) -> list[tuple[str, bytes, Any]]:
    def signer(d: Delivery) -> Any:
        return lambda: signed_headers(d.fmt, sources[d.fmt][1], d.body, msg_id=d.msg_id)

    return [(f"/api/v1/intake/{sources[d.fmt][0]}", d.body, signer(d)) for d in mix]


def verify(url: str, outcome: Outcome, mix: list[Delivery]) -> str:
    """Every acknowledged delivery is a stored row with the sent body, each stored once."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, body FROM intake_deliveries")).all())
        stored = len(rows)
    engine.dispose()
    stored_ids = {i for s, i, _ in outcome.acked if s == 202}
    bad = [i for s, i, body in outcome.acked if rows.get(i, "").encode() != body]
    dup_202 = len([1 for s, _, _ in outcome.acked if s == 202]) - len(stored_ids)
    distinct = len({(d.fmt, d.msg_id if d.fmt == "generic" else d.body) for d in mix})
    ok = not bad and dup_202 == 0 and stored == len(stored_ids) == distinct
    return f"stored {stored}, distinct sent {distinct}, 202s {len(stored_ids)}, mismatches {len(bad)}: " + (
        "OK, each acknowledged delivery stored exactly once" if ok else "FAILED"
    )


def count_statements(url: str, sources: dict[str, tuple[str, str]]) -> dict[str, int]:
    """SQL statements per request by path, in process (the same code gunicorn runs)."""
    from incident_hub.extensions import db

    app = create_app(Settings(env="development", secret_key=SECRET_KEY, database_url=url))
    counts: dict[str, int] = {}
    with app.app_context():
        seen: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        client, name, secret = app.test_client(), *sources["alertmanager"]
        fp = "statcount0000001"
        steps = [
            ("new fingerprint", _alert_payload("alertmanager", fp, "firing", 1)),
            ("repeat (attach)", _alert_payload("alertmanager", fp, "firing", 2)),
            ("resolved", _alert_payload("alertmanager", fp, "resolved", 3)),
            ("exact duplicate", _alert_payload("alertmanager", fp, "resolved", 3)),
        ]
        for label, body in steps:
            seen.clear()
            headers = {**signed_headers("alertmanager", secret, body), "Content-Type": "application/json"}
            status = client.post(f"/api/v1/intake/{name}", data=body, headers=headers).status_code
            counts[f"{label} ({status})"] = len(seen)
    return counts


def pg_url() -> str:
    admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0


def bench_db(name: str, url: str, n: int, threads: int, mix_name: str) -> None:
    sources = prepare(url)
    statements = count_statements(url, sources)
    sources = prepare_reset(url, sources)
    mix = build_mix(n, mix_name)
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "INCIDENT_HUB_ENV": "development"}
    apps = (("reference", "bench.reference_app:create_reference_app()"), ("intake", "wsgi:app"))
    servers = {label: _serve(path, env) for label, path in apps}
    jobs = {"reference": [("/ref", d.body, {}) for d in mix], "intake": intake_jobs(mix, sources)}
    results = {label: Outcome() for label in servers}
    step = -(-len(mix) // PHASES)
    try:  # R I I R R I I R …: the machine's drift during the run weighs on both alike
        for q in range(PHASES):
            part = slice(q * step, (q + 1) * step)
            for label in ("reference", "intake") if q % 2 == 0 else ("intake", "reference"):
                results[label].add(run_load(servers[label][1], jobs[label][part], threads))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(30)
    report(f"{name}, {mix_name} mix", n, threads, results, statements, verify(url, results["intake"], mix), mix)


def prepare_reset(url: str, sources: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Empty the intake tables (the statement count left rows) but keep the sources."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for table in ("intake_alerts", "intake_deliveries", "incident_units", "timeline_events", "incidents"):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DROP TABLE IF EXISTS bench_reference"))
        assert conn.execute(select(func.count()).select_from(text("intake_sources"))).scalar_one() == 3
    from bench.reference_app import Base

    Base.metadata.create_all(engine)
    engine.dispose()
    return sources


def report(name: str, n: int, threads: int, results: dict[str, Outcome], statements: dict[str, int], check: str,
           mix: list[Delivery]) -> None:  # fmt: skip
    kinds = {k: sum(1 for d in mix if d.kind == k) for k, _ in MIX}
    print(f"\n## {name}: {n} deliveries {kinds}, {threads} client threads, gunicorn 2 workers")
    print(f"{'endpoint':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    rate = {}
    for label, o in results.items():
        rate[label] = len(o.latencies) / o.seconds
        p50, p99 = pct(o.latencies, 50), pct(o.latencies, 99)
        print(f"{label:10} {rate[label]:8.0f} {p50:8.1f} {p99:8.1f}  {dict(sorted(o.statuses.items()))}")
    p99_ratio = pct(results["intake"].latencies, 99) / max(pct(results["reference"].latencies, 99), 1e-9)
    print(f"intake / reference: rate {rate['intake'] / rate['reference']:.2f}×, p99 {p99_ratio:.2f}×")
    print("SQL statements per request (BEGIN/COMMIT not counted): reference 1 INSERT;", statements)
    print(check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--mix", default="realistic", choices=sorted(MIXES))
    args = parser.parse_args()
    for name in args.db.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                bench_db("SQLite", f"sqlite:///{tmp}/bench.sqlite", args.n, args.threads, args.mix)
        else:
            bench_db("PostgreSQL", pg_url(), args.n, args.threads, args.mix)


if __name__ == "__main__":
    main()
