"""Command-line entry points (`flask --app wsgi …`), calling the same services as the API."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from incident_hub.cli import audit, demo, playbooks, retention, scheduler, sources, users

    for group in (
        users.users_cli,
        users.tokens_cli,
        audit.audit_cli,
        demo.demo_cli,
        scheduler.scheduler_cli,
        playbooks.playbooks_cli,
        retention.retention_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(sources.sources_cli)
