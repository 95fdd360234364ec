"""GET /api/v1/audit lists the chain with filters; /readyz says 503 when the schema is not at head."""

from __future__ import annotations

from incident_hub import create_app
from tests.conftest import make_settings
from tests.factories import make_incident


def test_audit_lists_entries_newest_first_with_hashes(as_manager):
    incident = make_incident()
    body = as_manager.get("/api/v1/audit").get_json()
    assert body["total"] >= 3 and body["page"] == 1 and body["per_page"] == 50
    seqs = [e["seq"] for e in body["items"]]
    assert seqs == sorted(seqs, reverse=True)
    newest = body["items"][0]
    assert newest["action"] == "incident.create" and newest["object_id"] == str(incident.id)
    assert len(newest["hash"]) == 64 and newest["at"].endswith("Z")
    previous = body["items"][1]
    assert newest["prev_hash"] == previous["hash"]


def test_audit_filters_by_object_and_action(as_manager):
    first, _second = make_incident(), make_incident()
    body = as_manager.get(f"/api/v1/audit?object_type=incident&object_id={first.id}").get_json()
    assert body["total"] == 1 and body["items"][0]["object_id"] == str(first.id)
    tokens = as_manager.get("/api/v1/audit?action=token.create&order=asc&per_page=1").get_json()
    assert tokens["total"] == 1 and len(tokens["items"]) == 1


def test_audit_is_for_managers_and_admins_only(as_oict, as_admin):
    assert as_oict.get("/api/v1/audit").status_code == 403
    assert as_admin.get("/api/v1/audit").status_code == 200


def test_readyz_is_503_envelope_when_not_migrated(tmp_path):
    app = create_app(make_settings(f"sqlite:///{tmp_path}/empty.sqlite"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "unavailable"
