"""A real gunicorn (gunicorn.conf.py, 2 workers, JSON logs, multiprocess metrics) on 127.0.0.1, for tests.

`served(database_url, tmp_path, **env)` starts it on a free port with the repository's own files,
waits for /healthz, yields (base URL, the run's log file, the environment) and stops it with SIGTERM.
`flask(env, *args, stdin=...)` runs the command line against the same database and log stream.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "PROMETHEUS_", "FLASK_"))}
    env.update(
        INCIDENT_HUB_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        SESSION_COOKIE_SECURE="false",  # plain HTTP on loopback here; the proxy does TLS in production
        DATABASE_URL=database_url,
        LOG_FORMAT="json",
        GUNICORN_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def flask(env: dict[str, str], log: Path, *args: str, stdin: str = "") -> str:
    with log.open("a") as err:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout
    return done.stdout


@contextmanager
def served(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with log.open("a") as err:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env, stderr=err
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(base: str, process: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(base + "/healthz", timeout=30).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")
