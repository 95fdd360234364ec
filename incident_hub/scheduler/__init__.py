"""Periodic jobs: in-process when SCHEDULER_ENABLED (development), or `flask scheduler run`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from incident_hub.scheduler.runner import start_in_process

    if app.extensions["incident_hub"].settings.scheduler_enabled:
        start_in_process(app)
