"""`flask playbooks validate [PATH]` and `flask playbooks sync` (DOMAIN.md "Playbooks and actions")."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from incident_hub.domain.playbooks import PlaybookProblem
from incident_hub.runtime import settings, units
from incident_hub.services.playbooks.sync import load_files, playbook_files, sync_playbooks

playbooks_cli = AppGroup("playbooks", help="Playbook files.")


@playbooks_cli.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None) -> None:
    """Check playbook files (default: the playbooks directory); exit 1 naming file, field and reason."""
    target = path or settings().playbooks_dir
    loaded, problems = load_files(target, units())
    if target.exists() and not playbook_files(target):
        problems.append(PlaybookProblem(str(target), "(path)", "no playbook files (*.yaml, *.yml)"))
    for problem in problems:
        click.echo(f"INVALID {problem}", err=True)
    for definition, name in loaded:
        click.echo(f"ok {name}: {definition.key} ({len(definition.steps)} steps)")
    if problems:
        sys.exit(1)


@playbooks_cli.command("sync")
@click.option("--path", type=click.Path(path_type=Path), help="Directory or file (default: PLAYBOOKS_DIR).")
def sync(path: Path | None) -> None:
    """Store new and changed playbook files as new versions (audited); invalid files are refused."""
    report = sync_playbooks("cli", path)
    for key, version in report.stored:
        click.echo(f"stored {key} v{version}")
    for key in report.unchanged:
        click.echo(f"unchanged {key}")
    for problem in report.problems:
        click.echo(f"INVALID {problem}", err=True)
    if report.problems:
        sys.exit(1)
