"""Two scheduler *processes* ticking the same job against PostgreSQL: it runs once per tick."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import SchedulerLock

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from incident_hub import create_app
    from incident_hub.scheduler.jobs import Job
    from incident_hub.scheduler.runner import run_tick
    from tests.conftest import make_settings
    app = create_app(make_settings(sys.argv[1]))
    with app.app_context():
        job = Job("test.processes", 60, lambda: time.sleep(0.3))
        ran = [m for m in range(3) if run_tick(job, sys.argv[2], datetime(2026, 5, 1, 12, m, 1, tzinfo=UTC))]
        print("ticks:" + ",".join(map(str, ran)))
    """
)


def test_two_processes_run_each_tick_once(app):
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.commit()
    procs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, url, f"proc-{i}"], stdout=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    outputs = [line.removeprefix("ticks:") for out in outputs for line in out.splitlines() if line.startswith("ticks:")]
    assert all(p.returncode == 0 for p in procs) and len(outputs) == 2
    ticks = [int(tick) for output in outputs for tick in output.split(",") if tick]
    # No tick ever runs twice. Tick 0 is contested and always runs once; a later tick may be skipped when
    # the other process has already claimed a newer one (a late tick is never run after a newer one).
    assert len(ticks) == len(set(ticks)) and 0 in ticks
    lock = db.session.execute(select(SchedulerLock).where(SchedulerLock.name == "test.processes")).scalar_one()
    assert lock.locked_until is None and lock.locked_by in ("proc-0", "proc-1")
