"""`flask sources …`: webhook sources for monitoring tools (API.md "Command line").
Secrets are printed once, as the last word of the last line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from incident_hub.errors import AppError
from incident_hub.intake.adapters import FORMATS
from incident_hub.services.intake import sources as service

sources_cli = AppGroup("sources", help="Manage webhook sources (monitoring tools).")
DEMO_SOURCES = (("demo-alertmanager", "alertmanager"), ("demo-grafana", "grafana"), ("demo-generic", "generic"))


def _fail(error: AppError) -> None:
    click.echo(f"error: {error.message}", err=True)
    sys.exit(1)


@sources_cli.command("create")
@click.argument("name")
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS), help="The sender's payload format.")
@click.option("--rate-limit", type=int, default=None, help="Deliveries per minute per worker (default: none).")
def create(name: str, fmt: str, rate_limit: int | None) -> None:
    """Create a source; its secret is shown once."""
    try:
        source, secret = service.create_source("cli", name, fmt, rate_limit=rate_limit)
    except AppError as error:
        _fail(error)
    click.echo(f"created source {source.name} ({source.format}) at POST /api/v1/intake/{source.name}")
    click.echo(f"secret (keep it now, it is not shown again): {secret}")


@sources_cli.command("list")
def list_sources() -> None:
    for s in service.list_sources():
        view = service.source_view(s)
        grace = f"previous secret valid until {view['previous_secret_valid_until']}"
        extra = grace if view["previous_secret_valid_until"] else ""
        click.echo(f"{s.name}\t{s.format}\t{'enabled' if s.enabled else 'disabled'}\t{extra}".rstrip())


@sources_cli.command("rotate")
@click.argument("name")
@click.option("--grace-hours", type=int, default=service.DEFAULT_GRACE_HOURS, show_default=True)
def rotate(name: str, grace_hours: int) -> None:
    """A new secret; the old one stays valid for the grace period."""
    try:
        _, secret = service.rotate_source("cli", name, grace_hours)
    except AppError as error:
        _fail(error)
    click.echo(f"rotated {name}; the previous secret stays valid for {grace_hours} h")
    click.echo(f"new secret (keep it now, it is not shown again): {secret}")


@sources_cli.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    try:
        service.update_source("cli", name, {"enabled": False})
    except AppError as error:
        _fail(error)
    click.echo(f"disabled {name}")


@sources_cli.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    try:
        service.update_source("cli", name, {"enabled": True})
    except AppError as error:
        _fail(error)
    click.echo(f"enabled {name}")


def seed_demo_sources() -> None:
    """One source per format for `flask demo seed`, secrets printed."""
    for name, fmt in DEMO_SOURCES:
        _, secret = service.create_source("demo", name, fmt)
        click.echo(f"source {name:17} format {fmt:12} secret {secret}")
