"""What the fault scripts share: a throwaway PostgreSQL cluster they start themselves, the service
under gunicorn (the repository's gunicorn.conf.py), the command line against the same database,
signed intake deliveries, and the checks every script ends with (stored exactly once, audit chain,
playbooks whole).

Everything listens on 127.0.0.1 only, on ports from FAULTS_PORT_BASE (default 18450): +0 the
database, +1 gunicorn, +2 a webhook receiver, +3 an SMTP receiver.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT_BASE = int(os.environ.get("FAULTS_PORT_BASE", "18450"))
PG_PORT, WEB_PORT, WEBHOOK_PORT, SMTP_PORT = PORT_BASE, PORT_BASE + 1, PORT_BASE + 2, PORT_BASE + 3
sys.path.insert(0, str(ROOT))

from incident_hub.intake.signing import sign_standard_webhooks  # noqa: E402


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- the throwaway database -----------------------------------------------------------------------
class Postgres:
    """A PostgreSQL cluster in a temporary folder (initdb, trust auth on 127.0.0.1), which the
    script stops and starts at will. As root, the server runs as the `postgres` system user."""

    def __init__(self, port: int = PG_PORT) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="ih-faults-pg-"))
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> Postgres:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE incident_hub")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c max_connections=100"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/incident_hub"

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url) as conn:
            return list(conn.execute(sql, params).fetchall())

    def cleanup(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def throwaway_postgres() -> Iterator[Postgres]:
    pg = Postgres().init()
    try:
        yield pg
    finally:
        pg.cleanup()


# --- the service --------------------------------------------------------------------------------
def service_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "PROMETHEUS_", "FLASK_"))}
    env.update(
        INCIDENT_HUB_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        SESSION_COOKIE_SECURE="false",  # plain HTTP on the loopback; TLS is the proxy's
        MFA_REQUIRED_ROLES="",
        DATABASE_URL=database_url,
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
        GUNICORN_WORKERS="2",
        GUNICORN_BIND=f"127.0.0.1:{WEB_PORT}",
        PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed: {done.stdout}{done.stderr[-2000:]}")
    return done


def last_word(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.split()[-1]


class Gunicorn:
    """gunicorn -c gunicorn.conf.py wsgi:app; `kill9()` kills the master and every worker at once."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{WEB_PORT}"

    def start(self, wait: float = 180) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=self.env, stderr=out
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200 and len(self.workers()) >= 2:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill9()
        raise RuntimeError(f"gunicorn did not answer /healthz in {wait:.0f} s; see {self.log}")

    def workers(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def kill9(self) -> list[int]:
        assert self.process is not None
        pids = [self.process.pid, *self.workers()]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for pid in pids[1:]:  # orphaned workers are gone too before the next start binds the port
            while _alive(pid):
                time.sleep(0.05)
        return pids

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill9()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# --- signed deliveries ----------------------------------------------------------------------------
# A DDoS alert: its labels route it (R1, OICT) and make the ddos-public-service playbook apply, so
# every delivery opens an incident with that playbook's actions in the same transaction.
DDOS_LABELS = {"vectors": "digital", "effects": "service_outage", "severity": "high", "deliberate": "true"}


@dataclass
class Delivery:
    """One delivery a sender keeps retrying (same webhook-id and body, re-signed) until it gets a 2xx."""

    name: str
    msg_id: str = field(default_factory=lambda: f"msg_{uuid.uuid4().hex}")
    attempts: int = 0
    statuses: list[int | str] = field(default_factory=list)
    acknowledged: bool = False
    last: requests.Response | None = None  # the last answer (None after a failed connection)

    def body(self) -> bytes:
        alert = {"status": "firing", "labels": {"alertname": self.name, **DDOS_LABELS}, "annotations": {}}
        return json.dumps({"alerts": [alert]}).encode()


def send_delivery(base: str, source: str, secret: str, d: Delivery, timeout: float = 30) -> int | str:
    body, ts = d.body(), int(time.time())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": d.msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_standard_webhooks(secret, d.msg_id, ts, body),
    }
    d.attempts += 1
    try:
        answer = requests.post(f"{base}/api/v1/intake/{source}", data=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        d.statuses.append(exc.__class__.__name__)
        d.last = None
        return exc.__class__.__name__
    d.statuses.append(answer.status_code)
    d.last = answer
    if 200 <= answer.status_code < 300:
        d.acknowledged = True
    return answer.status_code


class Senders:
    """`threads` senders posting new deliveries until `stop`; each retries its delivery until a 2xx
    (as Alertmanager and Standard Webhooks senders do) before taking the next."""

    def __init__(self, base: str, source: str, secret: str, threads: int = 4, prefix: str = "Load") -> None:
        self.base, self.source, self.secret, self.threads = base, source, secret, threads
        self.prefix = prefix
        self.sent: list[Delivery] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def _next(self) -> Delivery:
        with self.lock:
            d = Delivery(f"{self.prefix}{len(self.sent):05d}")
            self.sent.append(d)
            return d

    def _run(self) -> None:
        while not self.stopping.is_set():
            d = self._next()
            while True:
                status = send_delivery(self.base, self.source, self.secret, d)
                if isinstance(status, int) and (200 <= status < 300 or status < 500):
                    break  # acknowledged, or refused for good (none expected; counted)
                time.sleep(0.2)

    def start(self) -> Senders:
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for t in self._threads:
            t.join(timeout=300)


# --- the checks -----------------------------------------------------------------------------------
def audit_verify(env: dict[str, str]) -> str:
    done = flask(env, "audit", "verify", check=False)
    text = (done.stdout + done.stderr).strip().splitlines()
    return ("intact" if done.returncode == 0 else "BROKEN") + f" ({text[-1] if text else '?'})"


@dataclass
class Stored:
    stored: int  # deliveries of ours in the database
    acknowledged_missing: int  # acknowledged but not stored: lost
    duplicates: int  # a delivery, alert or incident stored more than once
    half_playbooks: int  # incidents whose playbook actions are not all there
    incidents: int


def check_stored(pg: Postgres, deliveries: list[Delivery], source: str) -> Stored:
    keys = {d.msg_id for d in deliveries}
    rows = pg.query(
        "SELECT d.delivery_key FROM intake_deliveries d JOIN intake_sources s ON s.id = d.source_id WHERE s.name = %s",
        source,
    )
    stored = [key for (key,) in rows if key in keys]
    missing = sum(1 for d in deliveries if d.acknowledged and d.msg_id not in set(stored))
    names = [d.name for d in deliveries]
    alert_dupes = pg.query(
        "SELECT count(*) - count(DISTINCT labels->>'alertname') FROM intake_alerts "
        "WHERE labels->>'alertname' = ANY(%s)",
        names,
    )[0][0]
    incident_rows = pg.query(
        "SELECT labels->>'alertname', count(DISTINCT incident_id) FROM intake_alerts "
        "WHERE labels->>'alertname' = ANY(%s) GROUP BY 1",
        names,
    )
    incident_dupes = sum(n - 1 for _, n in incident_rows if n > 1)
    return Stored(
        stored=len(set(stored)),
        acknowledged_missing=missing,
        duplicates=(len(stored) - len(set(stored))) + int(alert_dupes) + incident_dupes,
        half_playbooks=half_playbooks(pg, names),
        incidents=len(incident_rows),
    )


def half_playbooks(pg: Postgres, alertnames: list[str]) -> int:
    """Incidents of these alerts holding some, but not all, of an applied playbook's steps, or none
    of the DDoS playbook that applies to every one of them."""
    steps = {pid: len(defn["steps"]) for pid, defn in pg.query("SELECT id, definition FROM playbooks")}
    ddos = {pid for pid, key in pg.query("SELECT id, key FROM playbooks WHERE key = 'ddos-public-service'")}
    incidents = [
        iid
        for (iid,) in pg.query(
            "SELECT DISTINCT incident_id FROM intake_alerts WHERE labels->>'alertname' = ANY(%s)", alertnames
        )
    ]
    counts: dict[int, dict[int, int]] = {iid: {} for iid in incidents}
    for iid, pid, n in pg.query(
        "SELECT incident_id, playbook_id, count(*) FROM actions WHERE incident_id = ANY(%s) "
        "AND playbook_id IS NOT NULL GROUP BY 1, 2",
        incidents,
    ):
        counts[iid][pid] = n
    half = 0
    for by_playbook in counts.values():
        if not ddos & set(by_playbook) or any(n != steps[pid] for pid, n in by_playbook.items()):
            half += 1
    return half


def table(headers: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(x)) for x in [h, *(r[i] for r in rows)]) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def wait_until(predicate: Callable[[], bool], seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
