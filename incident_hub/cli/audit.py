"""`flask audit verify`: walk the hash chain, exit 1 naming the first broken entry."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from incident_hub.services.admin.audit import verify_chain

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify() -> None:
    count, broken = verify_chain()
    if broken is not None:
        seq, reason = broken
        click.echo(f"audit chain BROKEN at entry {seq}: {reason} ({count} entries read)", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {count} entries")
