"""Each worker's copy of the configuration (services/config_cache.py; issue 18): a change made through
another worker — a second app on the same database, as a second gunicorn worker is — is seen by
the very next delivery, and a stale copy never refuses what the database accepts. Both databases."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from incident_hub import create_app
from incident_hub.extensions import db
from incident_hub.models import Alert, Notification
from incident_hub.services.admin.users import create_user, set_active
from incident_hub.services.intake.sources import rotate_source, update_source
from tests.conftest import make_settings
from tests.intake.factories import make_source, payload, post


@pytest.fixture
def other_worker(app: Flask, database_url: str) -> Iterator[Flask]:
    """A second app on the same database: its own Runtime, so its own copy."""
    other = create_app(make_settings(database_url))
    yield other
    with other.app_context():
        db.engine.dispose()


def _alert(fp: str) -> dict[str, Any]:
    data = payload("alertmanager", fingerprint=fp)
    data.pop("groupKey", None)
    data.pop("groupLabels", None)
    data["alerts"][0]["labels"]["instance"] = fp
    return data


def _in(app: Flask, fn: Any, *args: Any, **kw: Any) -> Any:
    """`fn` in the other worker, once this test's own session holds no transaction (on SQLite
    every transaction takes the write lock)."""
    db.session.rollback()
    with app.app_context():
        try:
            return fn(*args, **kw)
        finally:
            db.session.remove()


def _plain_source(fmt: str) -> tuple[SimpleNamespace, str]:
    source, secret = make_source(fmt)
    return SimpleNamespace(name=source.name, format=source.format), secret


def test_secret_rotation_and_disabling_elsewhere_take_effect_at_once(app, client, other_worker):
    source, old_secret = _plain_source("alertmanager")
    assert post(client, source, old_secret, _alert("c-1")).status_code == 202  # this worker's copy is loaded
    _, new_secret = _in(other_worker, rotate_source, "admin", source.name, grace_hours=0)

    refused = post(client, source, old_secret, _alert("c-2"))
    assert refused.status_code == 401 and refused.json["error"]["code"] == "bad_signature"
    assert post(client, source, new_secret, _alert("c-3")).status_code == 202

    _in(other_worker, update_source, "admin", source.name, {"enabled": False})
    assert post(client, source, new_secret, _alert("c-4")).status_code == 401
    _in(other_worker, update_source, "admin", source.name, {"enabled": True})
    assert post(client, source, new_secret, _alert("c-5")).status_code == 202
    stored = db.session.execute(select(Alert.fingerprint).order_by(Alert.id)).scalars().all()
    assert stored == ["c-1", "c-3", "c-5"]


def test_a_source_created_elsewhere_is_accepted_at_once(app, client, other_worker):
    first, first_secret = _plain_source("alertmanager")
    assert post(client, first, first_secret, _alert("n-1")).status_code == 202
    second, second_secret = _in(other_worker, _plain_source, "generic")
    body = {"alerts": [{"status": "firing", "labels": {"alertname": "new-source"}}]}
    assert post(client, second, second_secret, body).status_code == 202


def test_a_change_by_plain_sql_is_seen_too(app, client):
    """The triggers count any change, not only the services' (an administrator's hand-run UPDATE)."""
    source, secret = make_source("alertmanager")
    assert post(client, source, secret, _alert("s-1")).status_code == 202
    db.session.execute(text("UPDATE intake_sources SET enabled = false WHERE name = :n"), {"n": source.name})
    db.session.commit()
    assert post(client, source, secret, _alert("s-2")).status_code == 401


def test_people_disabled_or_added_elsewhere_are_told_accordingly(app, client, other_worker):
    source, secret = _plain_source("alertmanager")
    create_user("oict-1", "oict_responder", "OICT", "correct-horse-battery", actor="test", email="o1@example.org")
    assert post(client, source, secret, _alert("p-1")).status_code == 202  # copy loaded with oict-1
    _in(other_worker, set_active, "oict-1", False, actor="admin")
    _in(other_worker, create_user, "oict-2", "oict_responder", "OICT", "correct-horse-battery", actor="admin")
    assert post(client, source, secret, _alert("p-2")).status_code == 202
    told = db.session.execute(select(Notification.user_id, Notification.incident_id).order_by(Notification.id)).all()
    first, second = sorted({incident for _, incident in told})
    names = dict(db.session.execute(text("SELECT id, username FROM users")).all())
    assert [names[u] for u, i in told if i == first] == ["oict-1"]
    assert [names[u] for u, i in told if i == second] == ["oict-2"]
