"""Run the same work in several threads at once, each with its own app context and session:
what two gunicorn workers (or scheduler processes) do to one database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from incident_hub.extensions import db


def run_together(app: Flask, work: Callable[[int], Any], n: int = 2) -> list[Any]:
    """Results in thread order; an exception a thread raised stands in its place."""
    db.session.remove()  # the test's own session must hold no transaction (on SQLite it holds the lock)
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
            except Exception as exc:  # the losers' errors are part of the result
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def run_together_ok(app: Flask, work: Callable[[int], Any], n: int = 2) -> list[Any]:
    """As run_together, failing the test if any thread raised."""
    results = run_together(app, work, n)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == [], errors
    return results
