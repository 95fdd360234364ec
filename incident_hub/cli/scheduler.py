"""`flask scheduler run`: the scheduler as its own process (production)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="Periodic jobs.")


@scheduler_cli.command("run")
def run() -> None:
    from incident_hub.scheduler.runner import run_forever

    click.echo("scheduler started (Ctrl-C to stop)")
    run_forever(current_app._get_current_object())  # type: ignore[attr-defined]
