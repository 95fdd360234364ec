"""The scheduler killed mid-tick (issue 15, item 4): no escalation or notification sent twice or lost.

Actions of a few incidents fall due a few seconds after `flask scheduler run` starts. Managers of
the owner unit have an email address, and the escalation webhook is configured, so each overdue
action makes one signed webhook and one email per manager. A real webhook receiver (http.server)
and a real SMTP server (aiosmtpd) on 127.0.0.1 count what arrives. The scheduler is killed with
SIGKILL three times: in the middle of the escalation job (some actions escalated, not all) and twice
in the middle of the outbox job (just after a message arrived, before the rest were sent), and
started again each time. Then every overdue action must have been escalated exactly once (one audit
entry, one webhook, one email per manager, by what arrived), nothing lost.

A message can arrive twice on the wire only when the kill falls between the receiver's answer and
the scheduler recording it: the resend carries the same webhook-id / Message-ID, so the receiver
recognises it. Those are counted apart ("resent, same id").

    python -m bench.faults.scheduler_kill [--incidents 6] [--managers 2]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.faults.common import (
    BIN,
    ROOT,
    SMTP_PORT,
    WEBHOOK_PORT,
    Postgres,
    audit_verify,
    flask,
    say,
    service_env,
    table,
    throwaway_postgres,
    wait_until,
)

WEBHOOK_SECRET = "whsec_" + "c2NoZWR1bGVyLWtpbGwtZmF1bHQtdGVzdC1zZWNyZXQ="
DUE_IN = 75  # seconds after seeding: the first escalation tick (60 s after start) finds them not yet due
SEED = """
import sys
from datetime import timedelta
from incident_hub import create_app
from incident_hub.clock import utcnow
from incident_hub.domain.access import Principal
from incident_hub.extensions import db
from incident_hub.models import Action
from incident_hub.services.actions.commands import change_due_date
from incident_hub.services.incidents.commands import create_incident
app = create_app()
admin = Principal(0, "seed", "admin", None)
with app.app_context():
    due = utcnow() + timedelta(seconds=float(sys.argv[2]))
    for n in range(int(sys.argv[1])):
        incident = create_incident(admin, {"title": f"DDoS {n}", "vectors": ["digital"], "effects": ["service_outage"],
                                           "deliberate": True, "severity": "high", "tlp": "TLP:AMBER"})
        ids = db.session.execute(db.select(Action.id).where(Action.incident_id == incident.id)).scalars().all()
        db.session.rollback()
        for action_id in ids:
            change_due_date(admin, action_id, due, "fault test: falls due shortly")
    print(db.session.execute(db.select(db.func.count()).select_from(Action)).scalar_one())
"""


class Arrivals:
    """What the receivers got: (kind, id, payload key) per arrival, in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def add(self, kind: str, ident: str, key: str) -> None:
        with self.lock:
            self.items.append((kind, ident, key))

    def count(self) -> int:
        with self.lock:
            return len(self.items)


def webhook_server(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            arrivals.add("webhook", self.headers["webhook-id"], f"{body['type']}:{body['data'].get('action_id')}")
            time.sleep(0.05)  # a receiver doing a little work: ticks last long enough to be hit
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", WEBHOOK_PORT), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def smtp_server(arrivals: Arrivals) -> Any:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mail = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
            for rcpt in envelope.rcpt_tos:
                arrivals.add("email", str(mail["Message-ID"]), f"{rcpt}:{mail['Subject']}")
            return "250 accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    return controller


class Scheduler:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [str(BIN / "flask"), "--app", "wsgi", "scheduler", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
            )

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


def counts(pg: Postgres) -> dict[str, int]:
    q = {
        "actions": "SELECT count(*) FROM actions",
        "escalated": "SELECT count(*) FROM actions WHERE escalated_at IS NOT NULL",
        "outbox": "SELECT count(*) FROM outbox_messages",
        "pending": "SELECT count(*) FROM outbox_messages WHERE status = 'pending'",
        "webhooks": "SELECT count(*) FROM outbox_messages WHERE channel = 'webhook'",
        "emails": "SELECT count(*) FROM outbox_messages WHERE channel = 'email'",
        "escalate_audits": "SELECT count(*) FROM audit_entries WHERE action = 'action.escalate'",
        "failed": "SELECT count(*) FROM outbox_messages WHERE status <> 'delivered' AND status <> 'pending'",
    }
    return {k: int(pg.query(sql)[0][0]) for k, sql in q.items()}


def kill_mid_escalation(pg: Postgres, scheduler: Scheduler) -> str:
    total = counts(pg)["actions"]
    if not wait_until(lambda: 0 < counts(pg)["escalated"] < total, 240, step=0.05):
        return "escalation tick not caught"
    scheduler.kill9()
    return f"killed during escalation ({counts(pg)['escalated']}/{total} escalated)"


def kill_mid_delivery(pg: Postgres, scheduler: Scheduler, arrivals: Arrivals) -> str:
    before = arrivals.count()
    if not wait_until(lambda: arrivals.count() > before and counts(pg)["pending"] > 0, 240, step=0.01):
        return "delivery tick not caught"
    scheduler.kill9()
    return f"killed during delivery ({arrivals.count()} arrived, {counts(pg)['pending']} pending)"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=6)
    parser.add_argument("--managers", type=int, default=2)
    args = parser.parse_args()
    arrivals = Arrivals()
    hook, smtp = webhook_server(arrivals), smtp_server(arrivals)
    try:
        with throwaway_postgres() as pg, tempfile.TemporaryDirectory(prefix="ih-faults-") as tmp:
            return run(pg, Path(tmp), arrivals, args)
    finally:
        hook.shutdown()
        smtp.stop()


def run(pg: Postgres, tmp: Path, arrivals: Arrivals, args: argparse.Namespace) -> int:
    env = service_env(
        pg.url,
        tmp,
        ESCALATION_WEBHOOK_URL=f"http://127.0.0.1:{WEBHOOK_PORT}/hook",
        ESCALATION_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(SMTP_PORT),
        SMTP_STARTTLS="false",
        LOG_LEVEL="INFO",
    )
    flask(env, "db", "upgrade")
    flask(env, "playbooks", "sync")
    for n in range(args.managers):
        address = f"manager{n}@example.org"
        flask(env, "users", "create", f"manager{n}", "--role", "manager", "--unit", "OICT", "--email", address)
    seeded = subprocess.run(
        [str(BIN / "python"), "-c", SEED, str(args.incidents), str(DUE_IN)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    say(f"{seeded.stdout.strip()} actions fall due in {DUE_IN} s; scheduler log: {tmp / 'scheduler.log'}")
    scheduler = Scheduler(env, tmp / "scheduler.log")
    notes = []
    try:
        scheduler.start()
        notes.append(kill_mid_escalation(pg, scheduler))
        say(notes[-1])
        for _ in range(2):
            scheduler.start()
            notes.append(kill_mid_delivery(pg, scheduler, arrivals))
            say(notes[-1])
        scheduler.start()
        done = wait_until(
            lambda: (c := counts(pg))["escalated"] == c["actions"] and c["pending"] == 0 and c["outbox"] > 0, 600, 1
        )
        time.sleep(2)
    finally:
        scheduler.stop()
    say("all escalated and delivered" if done else "NOT everything was delivered in 10 minutes")
    return report(pg, env, arrivals, args.managers, notes, done)


def event_key(channel: str, kind: str, url: str, body: str) -> str:
    """What one notification is about: the same key on two outbox rows means an event sent twice."""
    if channel == "webhook":
        return f"{kind}:{json.loads(body)['data'].get('action_id')}"
    return f"{url}:{body}"  # an email row names its recipient, event and objects, nothing that varies


def report(pg: Postgres, env: dict[str, str], arrivals: Arrivals, managers: int, notes: list[str], done: bool) -> int:
    c = counts(pg)
    outbox = pg.query("SELECT message_id, channel, kind, url, body FROM outbox_messages")
    rows, problems = [], []
    for channel in ("webhook", "email"):
        mine = [r for r in outbox if r[1] == channel]
        got = [ident.strip("<>").split("@")[0] for k, ident, _ in arrivals.items if k == channel]
        ids = Counter(got)
        queued_events = Counter(event_key(channel, kind, url, body) for _, _, kind, url, body in mine)
        twice = sum(n - 1 for n in queued_events.values() if n > 1)
        lost = sum(1 for message_id, *_ in mine if message_id not in ids)
        resent = len(got) - len(ids)
        overdue = sum(1 for r in mine if r[2] == "action.overdue")
        expected = c["actions"] * (1 if channel == "webhook" else managers)
        rows.append([channel, len(mine), overdue, expected, len(got), len(ids), resent, twice, lost])
        problems += [f"{channel}: {twice} event(s) queued twice"] if twice else []
        problems += [f"{channel}: {lost} never arrived"] if lost else []
        problems += [f"{channel}: {overdue} overdue messages for {expected} expected"] if overdue != expected else []
    headers = ["channel", "queued", "of them overdue", "expected overdue", "arrived", "distinct ids"]
    print(table([*headers, "resent, same id", "sent twice", "lost"], rows))
    chain = audit_verify(env)
    print(f"scheduler kills: {'; '.join(notes)}")
    print(
        f"actions {c['actions']}, escalated {c['escalated']}, escalation audit entries {c['escalate_audits']}, "
        f"outbox not delivered {c['pending'] + c['failed']}; audit chain {chain}"
    )
    print("resent, same id: arrived again after a kill between the receiver's answer and the scheduler recording")
    print("it; the webhook-id / Message-ID is the same, so the receiver sees it is the same message.")
    if c["escalate_audits"] != c["actions"] or c["escalated"] != c["actions"]:
        problems.append("not every action escalated exactly once")
    problems += [] if done else ["not everything delivered"]
    problems += [] if chain.startswith("intact") else ["audit chain broken"]
    problems += [n for n in notes if "not caught" in n]
    for p in problems:
        print("PROBLEM:", p)
    print("RESULT:", "FAIL" if problems else "PASS")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
