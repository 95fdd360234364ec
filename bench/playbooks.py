"""Playbook figures: incident creation with instantiation, overdue listing, escalation, CACAO export.

`python bench/playbooks.py [DATABASE_URL]` (default: a temporary SQLite file) prints a table.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from incident_hub import create_app
from incident_hub.domain.access import Principal
from incident_hub.services.actions.escalation import escalate_overdue
from incident_hub.services.actions.queries import ActionFilter, list_actions
from incident_hub.services.incidents.commands import create_incident
from incident_hub.services.playbooks.cacao import export_cacao
from incident_hub.services.playbooks.sync import list_playbooks, sync_playbooks
from incident_hub.settings import Settings

N = 200
SYSTEM = Principal(0, "bench", "admin", None)
HYBRID = {"vectors": ["digital"], "effects": ["programme_disruption", "premises_security_gap"], "deliberate": True}


def timed(label: str, fn, n: int = 1) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for _ in range(n):
        fn()
    per = (time.perf_counter() - start) / n * 1000
    print(f"{label:48} {n:6d} {per:10.2f} ms")


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app(Settings(env="testing", secret_key="bench", database_url=url))
    with app.app_context():
        upgrade()
        print(f"{'operation':48} {'n':>6} {'per op':>13}")
        timed("sync playbooks (5 files)", lambda: sync_playbooks("bench"))
        data = {"title": "Bench", "severity": "critical", "tlp": "TLP:AMBER", **HYBRID}
        timed("create hybrid incident (+8 playbook actions)", lambda: create_incident(SYSTEM, dict(data)), N)
        timed("list overdue actions (page of 50)", lambda: list_actions(SYSTEM, ActionFilter(overdue=True), 1, 50), 50)
        later = datetime.now(UTC) + timedelta(days=400)
        start = time.perf_counter()
        count = escalate_overdue(later, limit=10_000)
        per = (time.perf_counter() - start) / max(count, 1) * 1000
        print(f"{'escalate overdue actions (each)':48} {count:6d} {per:10.2f} ms")
        pid = list_playbooks()[0].id
        timed("CACAO export", lambda: export_cacao(pid), 50)


if __name__ == "__main__":
    main()
