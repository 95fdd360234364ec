"""`flask audit verify`: walk the hash chain, exit 1 naming the first broken entry."""

from __future__ import annotations

import re
import sys

import click
from flask.cli import AppGroup

from incident_hub.services.admin.audit import head_seq, verify_chain

HASH_RE = re.compile(r"[0-9a-f]{64}")

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
@click.option("--at", "at_hash", metavar="HASH", help="A head hash printed on a document: is it in the intact chain?")
def verify(at_hash: str | None) -> None:
    """Walk the hash chain; with --at, also say whether that head (from a PDF) is in it. Exit 0 only
    when the chain is intact (and, with --at, holds that head)."""
    count, broken = verify_chain()
    if broken is not None:
        seq, reason = broken
        click.echo(f"audit chain BROKEN at entry {seq}: {reason} ({count} entries read)", err=True)
        sys.exit(1)
    if at_hash is not None:
        wanted = at_hash.strip().lower()
        at_seq = head_seq(wanted) if HASH_RE.fullmatch(wanted) else None
        if at_seq is None:
            click.echo(f"head {wanted} is NOT in the audit chain ({count} entries, intact)", err=True)
            sys.exit(1)
        click.echo(
            f"head {wanted} is entry {at_seq} of the intact audit chain ({count} entries; {count - at_seq} since)"
        )
        return
    click.echo(f"audit chain intact: {count} entries")
