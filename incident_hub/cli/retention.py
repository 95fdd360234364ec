"""`flask retention purge`: the scheduler's retention job, run by hand (domain/retention.py)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from incident_hub.clock import to_iso
from incident_hub.services.operations.retention import purge_expired, purge_preview

retention_cli = AppGroup("retention", help="Purge what is older than RETENTION_DAYS.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
def purge(dry_run: bool) -> None:
    """Empty intake payloads and remove closed incidents' files past RETENTION_DAYS, each recorded in
    the audit chain. Safe beside a running scheduler and safe to run twice. Exit 1 when retention is off."""
    report = purge_preview() if dry_run else purge_expired("cli")
    if report.retention_days is None:
        click.echo("RETENTION_DAYS is not set: everything is kept, nothing was purged.", err=True)
        sys.exit(1)
    verb = "would be purged" if dry_run else "purged"
    click.echo(
        f"retention {report.retention_days} days (before {to_iso(report.cutoff)}): "
        f"{report.deliveries} delivery payload(s) and {report.attachments} attachment(s) {verb}"
        + ("" if dry_run else f"; {report.files_removed} stored file(s) removed")
    )
