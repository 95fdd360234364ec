"""`flask sources …` (API.md "Command line"): the secret is the last word of the last line."""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Source
from tests.intake.factories import payload, post


def last_word(output: str) -> str:
    return output.strip().splitlines()[-1].split()[-1]


def test_create_list_rotate_disable(runner, client):
    result = runner.invoke(args=["sources", "create", "graf-ny", "--format", "grafana"])
    assert result.exit_code == 0, result.output
    secret = last_word(result.output)
    source = db.session.execute(select(Source).where(Source.name == "graf-ny")).scalar_one()
    assert post(client, source, secret, payload("grafana")).status_code == 202

    listed = runner.invoke(args=["sources", "list"])
    assert "graf-ny\tgrafana\tenabled" in listed.output and secret not in listed.output

    rotated = runner.invoke(args=["sources", "rotate", "graf-ny", "--grace-hours", "1"])
    assert rotated.exit_code == 0
    new = last_word(rotated.output)
    assert new != secret
    assert post(client, source, secret, payload("grafana", fingerprint="a")).status_code == 202  # in grace
    assert post(client, source, new, payload("grafana", fingerprint="b")).status_code == 202
    assert "previous secret valid until" in runner.invoke(args=["sources", "list"]).output

    assert runner.invoke(args=["sources", "disable", "graf-ny"]).exit_code == 0
    assert post(client, source, new, payload("grafana", fingerprint="c")).status_code == 401


def test_generic_secret_and_errors(runner):
    result = runner.invoke(args=["sources", "create", "siem", "--format", "generic"])
    assert last_word(result.output).startswith("whsec_")
    again = runner.invoke(args=["sources", "create", "siem", "--format", "generic"])
    assert again.exit_code == 1 and "already exists" in again.output
    assert runner.invoke(args=["sources", "rotate", "nope"]).exit_code == 1
    assert runner.invoke(args=["sources", "create", "x", "--format", "nagios"]).exit_code == 2


def test_demo_seed_adds_a_source_of_each_format(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    names = set(db.session.execute(select(Source.format)).scalars())
    assert names == {"alertmanager", "grafana", "generic"}
    assert "source demo-generic" in result.output and "whsec_" in result.output
