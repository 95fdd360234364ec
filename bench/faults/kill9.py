"""kill -9 of gunicorn (the master and every worker at once) in the middle of a signed-delivery load,
three times (issue 15, item 4).

Senders post Standard Webhooks deliveries (each a new DDoS alert, so each opens an incident and
instantiates its playbook in the same transaction) and retry each one, same webhook-id, until it
gets a 2xx. After each kill the service is started again and the senders carry on. Then: every
delivery that got a 2xx is stored exactly once, no alert or incident is doubled, the audit chain
verifies, and no incident holds part of its playbook's actions.

    python -m bench.faults.kill9 [--rounds 3] [--threads 4] [--seconds 4]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.faults.common import (
    Delivery,
    Gunicorn,
    Postgres,
    Senders,
    audit_verify,
    check_stored,
    flask,
    last_word,
    say,
    service_env,
    table,
    throwaway_postgres,
)

SOURCE = "faults-kill9"


def hit(d: Delivery) -> bool:
    """The delivery met a cut connection, a closed port or a 5xx (and was retried)."""
    return any(not isinstance(s, int) or s >= 500 for s in d.statuses)


def row(label: object, sent: list[Delivery], pg: Postgres, env: dict[str, str]) -> tuple[list[object], bool]:
    stored = check_stored(pg, sent, SOURCE)
    chain = audit_verify(env)
    refused = sum(1 for d in sent if not d.acknowledged)
    again = sum(1 for d in sent if hit(d) and d.statuses[-1] == 200)  # stored before the kill cut the answer
    cells: list[object] = [label, len(sent), sum(map(hit, sent)), again, len(sent) - refused, stored.stored]
    cells += [stored.duplicates, stored.acknowledged_missing, refused, stored.half_playbooks, chain]
    bad = stored.duplicates or stored.acknowledged_missing or stored.half_playbooks or refused
    return cells, bool(bad or stored.incidents != stored.stored or not chain.startswith("intact"))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0, help="load before each kill (randomised ±50%%)")
    args = parser.parse_args()
    rnd = random.Random(15)
    rows: list[list[object]] = []
    failed = False
    with throwaway_postgres() as pg, tempfile.TemporaryDirectory(prefix="ih-faults-") as tmp:
        env = service_env(pg.url, Path(tmp))
        flask(env, "db", "upgrade")
        flask(env, "playbooks", "sync")
        secret = last_word(flask(env, "sources", "create", SOURCE, "--format", "generic"))
        all_sent: list[Delivery] = []
        with Gunicorn(env, Path(tmp) / "gunicorn.log") as server:
            server.start()
            say(f"gunicorn up on {server.base} (2 workers), PostgreSQL on port {pg.port}")
            for n in range(1, args.rounds + 1):
                senders = Senders(server.base, SOURCE, secret, args.threads, prefix=f"Kill{n}-").start()
                time.sleep(args.seconds * rnd.uniform(0.5, 1.5))
                killed = server.kill9()
                unanswered = sum(1 for d in senders.sent if not d.acknowledged)
                say(f"round {n}: kill -9 of {len(killed)} processes (master + workers); {unanswered} unanswered")
                time.sleep(1.0)  # senders meet a closed port meanwhile and keep retrying
                server.start()
                time.sleep(1.0)
                senders.stop()  # each sender finishes (retries) the delivery in hand, then stops
                all_sent += senders.sent
                cells, bad = row(n, senders.sent, pg, env)
                rows.append(cells)
                failed |= bad
        cells, bad = row("all", all_sent, pg, env)
        rows.append(cells)
        failed |= bad
    headers = ["round", "sent", "hit by the kill", "of them stored already", "acknowledged", "stored"]
    headers += ["duplicates", "lost", "refused"]
    print(table([*headers, "half playbooks", "chain"], rows))
    print("hit by the kill: met a cut connection, a closed port or a 5xx, and was retried with the same webhook-id;")
    print("of them stored already: the kill cut the answer after the commit, so the retry was answered 200 duplicate.")
    print("RESULT:", "FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
