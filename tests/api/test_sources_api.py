"""/api/v1/sources: admins manage webhook sources; a secret is shown once (API.md "Intake")."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, Source
from tests.intake.factories import payload, post


def test_admin_creates_lists_patches_and_rotates(as_admin, client):
    created = as_admin.post("/api/v1/sources", json={"name": "prom-geneva", "format": "alertmanager"})
    assert created.status_code == 201
    body = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/sources/{body['id']}")
    secret = body["secret"]
    assert body["url_path"] == "/api/v1/intake/prom-geneva" and body["mapping"]["rules"] == []
    listed = as_admin.get("/api/v1/sources").get_json()
    assert listed["total"] == 1 and "secret" not in listed["items"][0]
    assert secret not in str(db.session.execute(select(Source.secret_enc)).scalar_one())
    audit = db.session.execute(select(AuditEntry.after)).scalars().all()
    assert secret not in str(audit)

    rule = {"match": {"alertname": "BadgeReaderOffline"}, "vectors": ["digital"], "severity": "high"}
    patched = as_admin.patch(f"/api/v1/sources/{body['id']}", json={"mapping": {"rules": [rule]}})
    assert patched.status_code == 200 and patched.get_json()["mapping"]["rules"] == [rule]

    source = db.session.get(Source, body["id"])
    assert post(client, source, secret, payload("alertmanager")).status_code == 202
    rotated = as_admin.post(f"/api/v1/sources/{body['id']}/rotate", json={"grace_hours": 0})
    assert rotated.status_code == 200 and rotated.get_json()["secret"] != secret
    assert post(client, source, secret, payload("alertmanager", fingerprint="b")).status_code == 401
    new_secret = rotated.get_json()["secret"]
    assert post(client, source, new_secret, payload("alertmanager", fingerprint="c")).status_code == 202


def test_generic_secret_is_whsec(as_admin):
    body = as_admin.post("/api/v1/sources", json={"name": "siem", "format": "generic"}).get_json()
    assert body["secret"].startswith("whsec_")


def test_bad_input_changes_nothing(as_admin):
    def count() -> int:
        return db.session.execute(select(func.count()).select_from(Source)).scalar_one()

    for bad in (
        {"name": "Bad Name!", "format": "generic"},
        {"name": "x", "format": "nagios"},
        {"name": "x", "format": "generic", "mapping": {"rules": [{"vectors": ["cyber"]}]}},
    ):
        response = as_admin.post("/api/v1/sources", json=bad)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["details"]["fields"]
    assert count() == 0
    ok = as_admin.post("/api/v1/sources", json={"name": "x", "format": "generic"})
    again = as_admin.post("/api/v1/sources", json={"name": "x", "format": "grafana"})
    assert again.status_code == 409 and count() == 1
    source_id = ok.get_json()["id"]
    bad_patch = as_admin.patch(f"/api/v1/sources/{source_id}", json={"mapping": {"rules": [{"severity": "urgent"}]}})
    assert bad_patch.status_code == 422
    assert "mapping.rules.0.severity" in bad_patch.get_json()["error"]["details"]["fields"]
    assert as_admin.get(f"/api/v1/sources/{source_id}").get_json()["mapping"]["rules"] == []
    assert as_admin.post(f"/api/v1/sources/{source_id}/rotate", json={"grace_hours": -1}).status_code == 422
    assert as_admin.get("/api/v1/sources/999").status_code == 404


def test_only_admins(as_oict, as_manager, client):
    for who in (as_oict, as_manager):
        assert who.get("/api/v1/sources").status_code == 403
        assert who.post("/api/v1/sources", json={"name": "x", "format": "generic"}).status_code == 403
    assert client.get("/api/v1/sources").status_code == 401
