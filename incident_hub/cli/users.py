"""`flask users …` and `flask tokens …`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from incident_hub.errors import AppError
from incident_hub.services.admin import tokens
from incident_hub.services.admin import users as service

users_cli = AppGroup("users", help="Manage users.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


def fail(error: AppError) -> None:
    click.echo(f"error: {error.message}", err=True)
    sys.exit(1)


def _read_password() -> tuple[str, bool]:
    """Two lines from stdin when it is not a terminal, a prompt when it is; empty means generate."""
    if sys.stdin is None or sys.stdin.closed:
        return service.generate_password(), True
    if sys.stdin.isatty():
        first = click.prompt("Password (empty to generate)", hide_input=True, default="", show_default=False)
        if not first:
            return service.generate_password(), True
        second = click.prompt("Repeat password", hide_input=True)
    else:
        lines = sys.stdin.read().splitlines()
        first = lines[0] if lines else ""
        second = lines[1] if len(lines) > 1 else ""
        if not first:
            return service.generate_password(), True
    if first != second:
        raise click.ClickException("The two passwords differ.")
    return first, False


@users_cli.command("create")
@click.argument("name")
@click.option("--role", required=True, help="oict_responder, dss_officer, manager or admin")
@click.option("--unit", default=None, help="The user's unit (OICT, DSS, …)")
@click.option("--email", default=None, help="The user's email address")
@click.option("--break-glass", is_flag=True, help="May sign in with a password even when LOCAL_LOGIN=false")
def create_user(name: str, role: str, unit: str | None, email: str | None, break_glass: bool) -> None:
    """Create a user; the password is read from stdin (twice) or generated and printed."""
    password, generated = _read_password()
    try:
        user = service.create_user(name, role, unit, password, actor="cli", break_glass=break_glass, email=email)
    except AppError as error:
        fail(error)
    glass = ", break-glass" if user.break_glass else ""
    click.echo(f"created user {user.username} ({user.role}{', ' + user.unit if user.unit else ''}{glass})")
    if generated:
        click.echo(f"password: {password}")


@users_cli.command("list")
def list_users() -> None:
    for user in service.list_users():
        click.echo(f"{user.username}\t{user.role}\t{user.unit or '-'}\t{'active' if user.active else 'disabled'}")


@users_cli.command("disable")
@click.argument("name")
def disable_user(name: str) -> None:
    try:
        service.set_active(name, False, actor="cli")
    except AppError as error:
        fail(error)
    click.echo(f"disabled {name}")


@users_cli.command("reset-mfa")
@click.argument("name")
def reset_mfa(name: str) -> None:
    """Forget NAME's second factor (lost phone and codes); they enrol again at their next sign-in."""
    from incident_hub.services.admin.mfa import reset_mfa as reset

    try:
        reset(name, actor="cli")
    except AppError as error:
        fail(error)
    click.echo(f"second factor of {name} reset; their sessions have ended")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--label", default="cli", help="What the token is for.")
def create_token(name: str, label: str) -> None:
    """Print a new API token for user NAME (shown once, stored hashed)."""
    try:
        token, raw = tokens.create_token(name, label, actor="cli")
    except AppError as error:
        fail(error)
    click.echo(f"token {token.id} for {name} (keep it now, it is not shown again): {raw}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    try:
        tokens.revoke_token(token_id, actor="cli")
    except AppError as error:
        fail(error)
    click.echo(f"revoked token {token_id}")
