"""The database stopped for 10 s under load (issue 15, item 4).

A throwaway PostgreSQL cluster (started here) behind gunicorn with 2 workers. Clients keep asking
for the API list, creating incidents, reading a page as a signed-in user, polling /readyz and
posting signed deliveries (retried on 503 with the same webhook-id, as senders do). The cluster is
stopped (`pg_ctl stop -m fast`), left down 10 s, then started again; gunicorn is not touched.

Checks: while the database is down every answer is a 503 with the JSON envelope (an HTML "temporarily
unavailable" page for pages) and a Retry-After, and comes within a few seconds (no 500, no hang);
/readyz says 503 too; the service answers 2xx again after the database is back, without a restart;
the retried deliveries are stored exactly once. Prints the answers by status and the recovery time.

    python -m bench.faults.db_outage [--down 10] [--threads-per-kind 1]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.faults.common import (
    Delivery,
    Gunicorn,
    Postgres,
    audit_verify,
    check_stored,
    flask,
    last_word,
    say,
    send_delivery,
    service_env,
    table,
    throwaway_postgres,
)

SOURCE = "faults-outage"
PASSWORD = "Outage-test-password-1"
SLOW = 5.0  # an answer slower than this while the database is down counts as a hang
KINDS = ("api list", "api create", "page", "readyz", "intake")


@dataclass
class Answer:
    kind: str
    sent: float
    took: float
    status: int | str  # a status code, or the exception of a failed connection
    envelope: bool  # an error body in the JSON envelope (or, for a page, the "unavailable" page)
    retry_after: str | None


class Load:
    def __init__(self, base: str, token: str, session: requests.Session, secret: str, threads: int) -> None:
        self.base, self.token, self.session, self.secret = base, token, session, secret
        self.answers: list[Answer] = []
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(k,), daemon=True) for k in KINDS * threads]

    def _request(self, kind: str) -> requests.Response:
        api = {"Authorization": f"Bearer {self.token}"}
        if kind == "api list":
            return requests.get(self.base + "/api/v1/incidents?per_page=5", headers=api, timeout=60)
        if kind == "api create":
            body = {"title": "Outage probe", "vectors": ["digital"], "severity": "low"}
            return requests.post(self.base + "/api/v1/incidents", json=body, headers=api, timeout=60)
        if kind == "page":
            return self.session.get(self.base + "/incidents", timeout=60)
        return requests.get(self.base + "/readyz", timeout=60)

    def _record(self, kind: str, sent: float, response: requests.Response | None, error: str = "") -> None:
        took = time.monotonic() - sent
        if response is None:
            answer = Answer(kind, sent, took, error, False, None)
        else:
            answer = Answer(kind, sent, took, response.status_code, _enveloped(kind, response), None)
            answer.retry_after = response.headers.get("Retry-After")
        with self.lock:
            self.answers.append(answer)

    def _loop(self, kind: str) -> None:
        while not self.stopping.is_set():
            if kind == "intake":
                self._deliver()
                continue
            sent = time.monotonic()
            try:
                self._record(kind, sent, self._request(kind))
            except requests.RequestException as exc:
                self._record(kind, sent, None, exc.__class__.__name__)
            time.sleep(0.05)

    def _deliver(self) -> None:
        d = Delivery(f"Outage{len(self.deliveries):05d}-{threading.get_ident() % 1000}")
        with self.lock:
            self.deliveries.append(d)
        while True:  # a sender retries until it gets a 2xx, whatever happens meanwhile
            sent = time.monotonic()
            status = send_delivery(self.base, SOURCE, self.secret, d, timeout=60)
            self._record("intake", sent, d.last, str(status))
            if isinstance(status, int) and status < 500:
                return
            time.sleep(0.3)

    def start(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=300)


def _enveloped(kind: str, response: requests.Response) -> bool:
    if response.status_code < 400:
        return True
    if kind == "page":  # the plain "temporarily unavailable" page (English: no language chosen)
        return "text/html" in response.headers.get("Content-Type", "") and "Temporarily unavailable" in response.text
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return {"status", "code", "message", "details"} <= set(error) and error["status"] == response.status_code


def sign_in(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=30).text
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on /login"
    answer = browser.post(
        base + "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": match.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:300]
    return browser


def setup(env: dict[str, str]) -> tuple[str, str]:
    flask(env, "db", "upgrade")
    flask(env, "playbooks", "sync")
    flask(env, "users", "create", "olga", "--role", "oict_responder", "--unit", "OICT", stdin=f"{PASSWORD}\n" * 2)
    token = last_word(flask(env, "tokens", "create", "olga"))
    secret = last_word(flask(env, "sources", "create", SOURCE, "--format", "generic"))
    return token, secret


def outage(pg: Postgres, seconds: float) -> tuple[float, float]:
    """Stop the cluster, wait, start it; the monotonic times it went down and came back."""
    pg.stop("fast")
    down = time.monotonic()
    say(f"PostgreSQL stopped; down for {seconds:.0f} s")
    time.sleep(seconds)
    pg.start()
    up = time.monotonic()
    say("PostgreSQL started again")
    return down, up


def recovery(answers: list[Answer], up: float) -> float | None:
    """Seconds from the database's return until every kind of request has had a 2xx again."""
    firsts = []
    for kind in KINDS:
        ok = [a.sent + a.took for a in answers if a.kind == kind and a.sent >= up and _ok(a)]
        if not ok:
            return None
        firsts.append(min(ok))
    return max(firsts) - up


def _ok(a: Answer) -> bool:
    return isinstance(a.status, int) and 200 <= a.status < 300


def judge(answers: list[Answer], start: float, down: float, up: float) -> list[str]:
    """What went wrong (empty: nothing). Any answer that is not a 2xx, at any time, must be a 503
    with the envelope and Retry-After; from the stop on, none may take longer than SLOW."""
    problems = []
    for a in answers:
        if not _ok(a):
            if a.status != 503:
                problems.append(f"{a.kind}: {a.status}")
            elif not a.envelope or not a.retry_after:
                problems.append(f"{a.kind}: 503 without the envelope or Retry-After")
        if a.sent + a.took >= start and a.took > SLOW:
            problems.append(f"{a.kind}: an answer took {a.took:.1f} s (a hang)")
    during = [a for a in answers if a.sent >= down and a.sent + a.took <= up]
    if any(_ok(a) for a in during):
        problems.append("a 2xx while the database was down")
    if not any(a.kind == "readyz" and a.status == 503 for a in during):
        problems.append("/readyz never said 503 while the database was down")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--down", type=float, default=10.0, help="seconds the database stays stopped")
    parser.add_argument("--threads-per-kind", type=int, default=1)
    args = parser.parse_args()
    with throwaway_postgres() as pg, tempfile.TemporaryDirectory(prefix="ih-faults-") as tmp:
        env = service_env(pg.url, Path(tmp))
        token, secret = setup(env)
        with Gunicorn(env, Path(tmp) / "gunicorn.log") as server:
            server.start()
            say(f"gunicorn up on {server.base} (2 workers), PostgreSQL on port {pg.port}")
            load = Load(server.base, token, sign_in(server.base, "olga"), secret, args.threads_per_kind).start()
            time.sleep(4)
            start = time.monotonic()
            down, up = outage(pg, args.down)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and recovery(list(load.answers), up) is None:
                time.sleep(0.5)
            time.sleep(3)
            load.stop()
            master_same = server.process is not None and server.process.poll() is None
        stored = check_stored(pg, load.deliveries, SOURCE)
        chain = audit_verify(env)
    answers = load.answers
    phases = (
        ("up", lambda a: a.sent + a.took < start),
        (
            "at stop/start",
            lambda a: start <= a.sent + a.took and a.sent < up and (a.sent < down or a.sent + a.took > up),
        ),
        ("down", lambda a: a.sent >= down and a.sent + a.took <= up),
        ("back", lambda a: a.sent >= up),
    )
    rows = []
    for kind in KINDS:
        for name, chosen in phases:
            picked = [a for a in answers if a.kind == kind and chosen(a)]
            statuses = Counter(str(a.status) for a in picked)
            slowest = max((a.took for a in picked), default=0.0)
            listed = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
            rows.append([kind, name, listed or "-", f"{slowest:.2f} s"])
    print(table(["request", "database", "answers by status", "slowest"], rows))
    took = recovery(answers, up)
    problems = judge(answers, start, down, up)
    acknowledged = sum(d.acknowledged for d in load.deliveries)
    print(
        f"database down {up - down:.1f} s; service answering 2xx on every path {took:.2f} s after it came back"
        if took is not None
        else "service did NOT recover within 60 s"
    )
    print(f"gunicorn kept running (no restart): {master_same}")
    print(
        f"deliveries: {len(load.deliveries)} sent, {acknowledged} acknowledged, {stored.stored} stored, "
        f"{stored.duplicates} duplicates, {stored.acknowledged_missing} lost; audit chain {chain}"
    )
    problems += [] if took is not None else ["no recovery"]
    problems += [] if master_same else ["gunicorn had to be restarted"]
    if stored.duplicates or stored.acknowledged_missing or acknowledged != len(load.deliveries):
        problems.append("deliveries not stored exactly once")
    if not chain.startswith("intact"):
        problems.append("audit chain broken")
    for p in sorted(set(problems))[:20]:
        print("PROBLEM:", p)
    print("RESULT:", "FAIL" if problems else "PASS")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
