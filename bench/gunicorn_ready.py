"""Gunicorn settings for the servers bench/intake.py starts: each worker, once it has imported the
application, leaves a file named by its pid in BENCH_READY_DIR. The bench starts timing only when
every worker has done so — otherwise the first slice of a run would time a worker's start-up (the
product's imports take one to three seconds) instead of the requests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def post_worker_init(worker: Any) -> None:
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        Path(ready, str(worker.pid)).touch()
