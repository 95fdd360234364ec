"""Gunicorn settings for the servers bench/intake.py starts: the product's own (gunicorn.conf.py:
access log, multiprocess metrics, limits — what a deployment runs; the command line's workers and
bind win), plus a readiness mark: each worker, once it has imported the application, leaves a file
named by its pid in BENCH_READY_DIR. The bench starts timing only when every worker has done so —
otherwise the first slice of a run would time a worker's start-up (the product's imports take one
to three seconds) instead of the requests. With BENCH_FLOOR set, intake stores no alerts (`--floor`)."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from typing import Any

_PRODUCT = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
globals().update({name: value for name, value in _PRODUCT.items() if not name.startswith("_")})


def post_worker_init(worker: Any) -> None:
    if os.environ.get("BENCH_FLOOR"):
        _handle_no_alerts()
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        Path(ready, str(worker.pid)).touch()


def _handle_no_alerts() -> None:
    """`bench/intake.py --floor`: the intake path with everything but its alerts (source, signature,
    parse, rate limit, the delivery's INSERT and commit, the web stack around them): what intake
    costs before it does its work, measured as the product runs it. Never in the product."""
    from incident_hub.services.intake import accept

    accept.store_alerts = lambda *_args, **_kwargs: []  # type: ignore[assignment]
