"""Intake benchmark (issue 7): N signed deliveries — new fingerprints, repeats of open ones,
resolved alerts, exact duplicates — from several client threads to gunicorn (2 workers) on
127.0.0.1, against SQLite and PostgreSQL; in the same run, a reference endpoint doing one ORM
INSERT per request (bench/reference_app.py). Prints deliveries/s, p50/p99, the ratio to the
reference, SQL statements per request by path, and checks that every acknowledged delivery is
stored exactly once.

The client is several forked processes (`--processes`, each with `--threads` threads), so the
reference reaches the machine's ceiling instead of the client's; the reference's absolute rate is
printed beside every ratio. Each mix runs `--runs` times (tables emptied between runs); the summary
gives the medians. The `storm` mix is `--storm` Alertmanager deliveries of 500 new alerts of one
group each (must answer well within Alertmanager's 10 s timeout).

    python bench/intake.py --mix realistic,new-heavy,storm [--n 2000] [--runs 3] [--db sqlite,postgresql]
                           [--processes 4] [--threads 6] [--pg-db bench_h18]

BENCH_PORTS=18500-18599 keeps the servers it starts to that range (a shared machine).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
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
from datetime import UTC, datetime
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
    started: float = 0.0
    ended: float = 0.0

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


STORM_ALERTS = 500
STORM_SENDERS = 8


def build_storm(n: int, alerts: int = STORM_ALERTS) -> list[Delivery]:
    """An alert storm: `n` Alertmanager deliveries, each `alerts` new alerts of one group (a rack
    losing power): each must open one incident (its group's) and store every alert."""
    out = []
    for i in range(n):
        data = json.loads(json.dumps(PAYLOADS["alertmanager"]))
        template = data["alerts"][0]
        group = f"rack-{i:05d}"
        data["groupKey"] = f'{{}}:{{rack="{group}"}}'
        data["groupLabels"] = {"rack": group}
        data["alerts"] = [
            {**template, "fingerprint": f"st{i:05d}{k:09x}", "labels": {**template["labels"], "rack": group,
             "instance": f"badge-{k}"}, "annotations": {"summary": f"reader {k} offline"}}
            for k in range(alerts)
        ]  # fmt: skip
        out.append(Delivery("storm", "alertmanager", json.dumps(data).encode(), f"s{i}"))
    return out


def _pick(rnd: random.Random, older: list[Delivery]) -> tuple[bytes, str]:
    d = rnd.choice(older)
    return d.body, d.msg_id


PORT_RANGE = os.environ.get("BENCH_PORTS", "")  # "18500-18599": the ports this bencher may use


def _free_port() -> int:
    """A free port on 127.0.0.1, from BENCH_PORTS when set (helpers sharing a machine keep to
    their own range), else any the system gives."""
    first, _, last = PORT_RANGE.partition("-")
    candidates = range(int(first), int(last or first) + 1) if first else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError(f"no free port in {PORT_RANGE}")


def _serve(app_path: str, env: dict[str, str], workers: int = 2) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn serving `app_path` on a free port, returned once every worker has loaded the app
    (bench/gunicorn_ready.py)."""
    port = _free_port()
    ready = tempfile.mkdtemp(prefix="bench-ready-")
    cmd = [GUNICORN, "-c", "python:bench.gunicorn_ready", "-w", str(workers), "--access-logfile", "/dev/null",
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_path]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env, "BENCH_READY_DIR": ready})
    for _ in range(600):
        if len(os.listdir(ready)) >= workers:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        if proc.poll() is not None:
            break
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


_JOBS: dict[str, list[tuple[str, bytes, Any]]] = {}  # set before the client processes fork; they read it


def _client_process(port: int, label: str, indexes: list[int], threads: int) -> Outcome:
    """One client process: `threads` threads sending its share of `_JOBS[label]`. Its `seconds`
    is the monotonic clock at its first send; `started`/`ended` let the parent take the span."""
    outcome, lock, cursor = Outcome(), threading.Lock(), iter(indexes)
    jobs = _JOBS[label]

    def worker() -> None:
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            path, body, headers = jobs[i]
            try:
                status, data, seconds = _send(port, path, body, headers() if callable(headers) else headers)
            except (OSError, http.client.HTTPException, ValueError):
                status, data, seconds = 0, {}, 0.0  # counted as status 0: the run is then not valid
            with lock:
                outcome.latencies.append(seconds)
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                if status in (200, 202):
                    outcome.acked.append((status, int(data.get("delivery_id") or data.get("id")), body))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    outcome.started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    outcome.ended = time.monotonic()
    return outcome


class Clients:
    """`processes` forked client processes (each its own interpreter, so the client's Python is
    not the bottleneck), made once per run after `_JOBS` is set, reused by every phase."""

    def __init__(self, jobs: dict[str, list[tuple[str, bytes, Any]]], processes: int) -> None:
        global _JOBS
        _JOBS = jobs
        self.processes = processes
        self.pool = multiprocessing.get_context("fork").Pool(processes)

    def run(self, port: int, label: str, part: slice, threads: int) -> Outcome:
        """The slice `part` of `_JOBS[label]`; the rate's time is from the first process's first
        send to the last one's end (the clock is system-wide monotonic)."""
        indexes = list(range(len(_JOBS[label])))[part]
        shares = [indexes[k :: self.processes] for k in range(self.processes)]
        parts = self.pool.starmap(_client_process, [(port, label, share, threads) for share in shares if share])
        outcome = Outcome()
        for o in parts:
            outcome.add(o)
        outcome.seconds = max(o.ended for o in parts) - min(o.started for o in parts)
        return outcome

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def prepare(url: str) -> dict[str, tuple[str, str]]:
    """A fresh schema, and one source per format: {format: (name, secret)}; also the `--floor`
    server's own sources (`floor_sources`), so its deliveries never count as the intake's copies."""
    from flask_migrate import upgrade

    from incident_hub.services.intake.sources import create_source

    app = create_app(Settings(env="development", secret_key=SECRET_KEY, database_url=url))
    with app.app_context():
        upgrade()
        add_people()
        for fmt in FORMATS:
            create_source("bench", f"floor-{fmt}", fmt)
        return {fmt: (f"bench-{fmt}", create_source("bench", f"bench-{fmt}", fmt)[1]) for fmt in FORMATS}


def floor_sources(url: str) -> dict[str, tuple[str, str]]:
    """{format: (name, secret)} of the floor's sources (made by `prepare`)."""
    from incident_hub.extensions import db
    from incident_hub.models import Source
    from incident_hub.services.intake.sources import accepted_secrets

    app = create_app(Settings(env="development", secret_key=SECRET_KEY, database_url=url))
    with app.app_context():
        found = db.session.execute(select(Source).where(Source.name.like("floor-%"))).scalars().all()
        return {s.format: (s.name, accepted_secrets(s, datetime.now(UTC))[0]) for s in found}


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


INTAKE_ROWS = (
    "SELECT d.id, d.body FROM intake_deliveries d JOIN intake_sources s ON s.id = d.source_id "
    "WHERE s.name LIKE 'bench-%'"
)


def verify(url: str, outcome: Outcome, mix: list[Delivery]) -> str:
    """Every acknowledged delivery is a stored row with the sent body, each stored once; in a
    storm, every alert is stored and each delivery's group opened exactly one incident."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = dict(conn.execute(text(INTAKE_ROWS)).all())
        alerts = conn.execute(text("SELECT count(*) FROM intake_alerts")).scalar_one()
        incidents = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
    engine.dispose()
    stored = len(rows)
    stored_ids = {i for s, i, _ in outcome.acked if s == 202}
    bad = [i for s, i, body in outcome.acked if rows.get(i, "").encode() != body]
    dup_202 = len([1 for s, _, _ in outcome.acked if s == 202]) - len(stored_ids)
    distinct = len({(d.fmt, d.msg_id if d.fmt == "generic" else d.body) for d in mix})
    ok = not bad and dup_202 == 0 and stored == len(stored_ids) == distinct
    storm = ""
    if mix and all(d.kind == "storm" for d in mix):
        sent = sum(len(json.loads(d.body)["alerts"]) for d in mix)
        ok = ok and alerts == sent and incidents == len(mix)
        storm = f", alerts stored {alerts} of {sent}, incidents {incidents} for {len(mix)} groups"
    return f"stored {stored}, distinct sent {distinct}, 202s {len(stored_ids)}, mismatches {len(bad)}{storm}: " + (
        "OK, each acknowledged delivery stored exactly once" if ok else "FAILED"
    )


def count_statements(url: str, sources: dict[str, tuple[str, str]]) -> dict[str, int]:
    """SQL statements per request by path, in process (the same code gunicorn runs), after a
    warm-up delivery (the first one loads the playbook files, the second the worker's copy of the
    configuration, services/config_cache.py). BEGIN/COMMIT are not counted.
    "new fingerprint (playbooks)" carries labels that make two playbooks (15 actions) apply."""
    from incident_hub.extensions import db

    app = create_app(Settings(env="development", secret_key=SECRET_KEY, database_url=url))
    counts: dict[str, int] = {}
    heavy = {"vectors": "physical_on_it,digital", "effects": "premises_security_gap,data_compromise"}

    def with_labels(body: bytes) -> bytes:
        data = json.loads(body)
        data["alerts"][0]["labels"].update(heavy)
        return json.dumps(data).encode()

    with app.app_context():
        seen: list[str] = []

        def listen(*a: Any) -> None:
            if not a[2].lstrip().upper().startswith(("BEGIN", "COMMIT")):
                seen.append(a[2])

        event.listen(db.engine, "before_cursor_execute", listen)
        client, name, secret = app.test_client(), *sources["alertmanager"]
        fp = "statcount0000001"
        steps = [
            ("warm-up", with_labels(_alert_payload("alertmanager", "statcount0000000", "firing", 1))),
            ("warm-up", _alert_payload("alertmanager", "statcount000000w", "firing", 1)),  # a fresh copy
            (
                "new fingerprint (playbooks)",
                with_labels(_alert_payload("alertmanager", "statcount0000002", "firing", 1)),
            ),
            ("new fingerprint", _alert_payload("alertmanager", fp, "firing", 1)),
            ("repeat (attach)", _alert_payload("alertmanager", fp, "firing", 2)),
            ("resolved", _alert_payload("alertmanager", fp, "resolved", 3)),
            ("exact duplicate", _alert_payload("alertmanager", fp, "resolved", 3)),
        ]
        for label, body in steps:
            seen.clear()
            headers = {**signed_headers("alertmanager", secret, body), "Content-Type": "application/json"}
            status = client.post(f"/api/v1/intake/{name}", data=body, headers=headers).status_code
            if label != "warm-up":
                counts[f"{label} ({status})"] = len(seen)
            db.session.remove()
    return counts


def pg_url(database: str = PG_DB) -> str:
    admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + database


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0


def bench_db(name: str, url: str, args: argparse.Namespace) -> list[str]:
    """Every mix, `args.runs` times each, against a fresh copy of the tables; the medians."""
    sources = prepare(url)
    statements = count_statements(url, sources)
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "INCIDENT_HUB_ENV": "development",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    apps = {"reference": ("bench.reference_app:create_reference_app()", env), "intake": ("wsgi:app", env)}
    if args.floor:
        apps["floor"] = ("wsgi:app", {**env, "BENCH_FLOOR": "1"})
    floor = floor_sources(url)
    summary = []
    for mix_name in args.mix.split(","):
        mix = build_storm(args.storm) if mix_name == "storm" else build_mix(args.n, mix_name)
        runs = []
        for run in range(args.runs):
            prepare_reset(url, sources)
            servers = {label: _serve(path, app_env, args.workers) for label, (path, app_env) in apps.items()}
            jobs = {"reference": [("/ref", d.body, {}) for d in mix], "intake": intake_jobs(mix, sources),
                    "floor": intake_jobs(mix, floor)}  # fmt: skip
            results = {label: Outcome() for label in servers}
            clients = Clients(jobs, args.processes)
            # A storm: 8 senders in all (the "8 threads"), not processes × threads.
            threads = max(1, STORM_SENDERS // args.processes) if mix_name == "storm" else args.threads
            step = -(-len(mix) // PHASES)
            order = list(servers)
            try:  # R I I R R I I R …: the machine's drift during the run weighs on each alike
                for q in range(PHASES):
                    part = slice(q * step, (q + 1) * step)
                    for label in order if q % 2 == 0 else reversed(order):
                        results[label].add(clients.run(servers[label][1], label, part, threads))
            finally:
                clients.close()
                for proc, _ in servers.values():
                    proc.terminate()
                    proc.wait(30)
            title = f"{name}, {mix_name} mix, run {run + 1}/{args.runs}"
            check = verify(url, results["intake"], mix)
            runs.append(report(title, len(mix), threads, args, results, check, mix))
        summary.append(_median_line(name, mix_name, runs))
    print(f"\n{name}: SQL statements per request (BEGIN/COMMIT not counted): reference 1 INSERT;", statements)
    return summary


def _median_line(name: str, mix_name: str, runs: list[dict[str, float]]) -> str:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return (
        f"{name:10} {mix_name:9} intake/reference rate {med['ratio']:.2f}× (reference {med['ref_rate']:.0f} req/s,"
        f" intake {med['rate']:.0f} req/s), p99 {med['p99_ratio']:.2f}× (intake p99 {med['p99']:.0f} ms,"
        f" max {med['max']:.0f} ms); all runs exactly-once: {'yes' if all(r['ok'] for r in runs) else 'NO'}"
        + (
            f"; floor/reference {med['floor_ratio']:.2f}×, intake/floor {med['of_floor']:.2f}×"
            if "floor_ratio" in med
            else ""
        )
    )


KEEP = {"intake_sources", "playbooks", "users", "api_tokens", "audit_head", "audit_entries", "scheduler_locks"}


def prepare_reset(url: str, sources: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Empty what a run writes (children first) but keep the sources, playbooks and audit chain."""
    from incident_hub.extensions import db

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                conn.execute(table.delete())
        conn.execute(text("DROP TABLE IF EXISTS bench_reference"))
        assert conn.execute(select(func.count()).select_from(text("intake_sources"))).scalar_one() == 2 * len(FORMATS)
    from bench.reference_app import Base

    Base.metadata.create_all(engine)
    engine.dispose()
    return sources


def report(name: str, n: int, threads: int, args: argparse.Namespace, results: dict[str, Outcome], check: str,
           mix: list[Delivery]) -> dict[str, float]:  # fmt: skip
    kinds = {k: sum(1 for d in mix if d.kind == k) for k in ("new", "repeat", "resolved", "duplicate", "storm")}
    kinds = {k: v for k, v in kinds.items() if v}
    print(f"\n## {name}: {n} deliveries {kinds}, {args.processes} client processes × {threads} threads,"
          f" gunicorn {args.workers} sync workers")  # fmt: skip
    print(f"{'endpoint':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
    rate = {}
    for label, o in results.items():
        rate[label] = len(o.latencies) / o.seconds
        p50, p99 = pct(o.latencies, 50), pct(o.latencies, 99)
        print(f"{label:10} {rate[label]:8.0f} {p50:8.1f} {p99:8.1f} {max(o.latencies) * 1000:8.1f}"
              f"  {dict(sorted(o.statuses.items()))}")  # fmt: skip
    refused = {status: count for status, count in results["reference"].statuses.items() if not 200 <= status < 300}
    if refused:  # a reference that did not answer makes every ratio meaningless
        raise SystemExit(f"the reference endpoint failed ({refused}); see the server's log above")
    p99 = pct(results["intake"].latencies, 99)
    p99_ratio = p99 / max(pct(results["reference"].latencies, 99), 1e-9)
    ratio = rate["intake"] / rate["reference"]
    print(f"intake / reference: rate {ratio:.2f}× (reference {rate['reference']:.0f} req/s), p99 {p99_ratio:.2f}×")
    floor = {}
    if "floor" in rate:
        floor = {"floor_ratio": rate["floor"] / rate["reference"], "of_floor": rate["intake"] / rate["floor"]}
        print(f"floor / reference: rate {floor['floor_ratio']:.2f}× (floor {rate['floor']:.0f} req/s);"
              f" intake / floor: {floor['of_floor']:.2f}×")  # fmt: skip
    print(check)
    return {"ratio": ratio, "ref_rate": rate["reference"], "rate": rate["intake"], "p99_ratio": p99_ratio,
            "p99": p99, "max": max(results["intake"].latencies) * 1000,
            "ok": check.endswith("exactly once"), **floor}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="deliveries per run of the realistic/new-heavy mixes")
    parser.add_argument("--storm", type=int, default=50, help=f"deliveries of {STORM_ALERTS} alerts per storm run")
    parser.add_argument("--threads", type=int, default=6, help="threads per client process")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--runs", type=int, default=3, help="runs per mix; the summary gives medians")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--mix", default="realistic", help=f"comma-separated: {', '.join([*MIXES, 'storm'])}")
    floor_help = "also time intake storing no alerts (bench/gunicorn_ready.py): what the request stack costs"
    parser.add_argument("--floor", action="store_true", help=floor_help)
    parser.add_argument("--pg-db", default=os.environ.get("BENCH_PG_DB", PG_DB), help="PostgreSQL database (dropped)")
    args = parser.parse_args()
    unknown = set(args.mix.split(",")) - {*MIXES, "storm"}
    if unknown:
        parser.error(f"unknown mix: {', '.join(sorted(unknown))}")
    summary = []
    for name in args.db.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                summary += bench_db("SQLite", f"sqlite:///{tmp}/bench.sqlite", args)
        else:
            summary += bench_db("PostgreSQL", pg_url(args.pg_db), args)
    print(f"\n## Medians of {args.runs} runs (ratios to the one-INSERT reference measured in the same run)")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
