"""Playbooks API: list, read, CACAO export and import (admin, field errors, round trip), versions."""

from __future__ import annotations

import copy
from pathlib import Path

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, Playbook
from incident_hub.services.playbooks.sync import sync_playbooks


def synced():
    report = sync_playbooks("test")
    assert report.problems == [] and len(report.stored) >= 5
    return {p.key: p for p in db.session.execute(select(Playbook)).scalars()}


def test_list_and_get(app, as_dss):
    rows = synced()
    body = as_dss.get("/api/v1/playbooks").get_json()
    assert body["total"] == len(rows) and {i["key"] for i in body["items"]} == set(rows)
    one = as_dss.get(f"/api/v1/playbooks/{rows['ddos-public-service'].id}").get_json()
    assert one["version"] == 1 and one["source"] == "file" and len(one["steps"]) == 5 and len(one["content_hash"]) == 64
    assert as_dss.get("/api/v1/playbooks/9999").status_code == 404


def test_changed_file_makes_a_new_audited_version(app, tmp_path):
    source = Path(__file__).resolve().parents[2] / "playbooks" / "ddos-public-service.yaml"
    target = tmp_path / "ddos-public-service.yaml"
    target.write_text(source.read_text())
    first = sync_playbooks("test", tmp_path)
    assert first.stored == [("ddos-public-service", 1)]
    assert sync_playbooks("test", tmp_path).unchanged == ["ddos-public-service"]
    target.write_text(source.read_text().replace("due: 30d", "due: 21d"))
    assert sync_playbooks("test", tmp_path).stored == [("ddos-public-service", 2)]
    rows = list(db.session.execute(select(Playbook).order_by(Playbook.version)).scalars())
    assert [r.superseded_at is None for r in rows] == [False, True]
    audits = list(db.session.execute(select(AuditEntry).where(AuditEntry.action == "playbook.version")).scalars())
    assert audits[-1].before["version"] == 1 and audits[-1].after["version"] == 2


def test_invalid_file_never_half_loads(app, tmp_path):
    (tmp_path / "bad.yaml").write_text("name: Bad\napplies_to: {vectors: [digital]}\nsteps:\n  - {id: a}\n")
    report = sync_playbooks("test", tmp_path)
    assert report.stored == [] and report.problems
    assert db.session.execute(select(Playbook)).first() is None


def test_every_stored_playbook_exports_valid_cacao(app, as_dss):
    from incident_hub.domain.cacao import check_document
    from tests.domain.test_cacao import validator

    for row in synced().values():
        r = as_dss.get(f"/api/v1/playbooks/{row.id}/cacao")
        assert r.status_code == 200
        doc = r.get_json()
        assert list(validator().iter_errors(doc)) == [] and check_document(doc) == {}
    assert as_dss.get("/api/v1/playbooks/9999/cacao").status_code == 404


def test_cacao_export_import_round_trip(app, as_admin):
    rows = synced()
    pid = rows["hybrid-access-control"].id
    exported = as_admin.get(f"/api/v1/playbooks/{pid}/cacao").get_json()
    assert exported["type"] == "playbook" and exported["spec_version"] == "cacao-2.0"
    # Importing it unchanged is the same playbook: no new version.
    r = as_admin.post("/api/v1/playbooks/import", json=exported)
    assert r.status_code == 200 and r.get_json()["id"] == pid
    # As another tool would send it: no key → a new playbook, equivalent in content.
    foreign = copy.deepcopy(exported)
    del foreign["playbook_variables"]["__playbook_key__"]
    r = as_admin.post("/api/v1/playbooks/import", json=foreign)
    assert r.status_code == 201 and r.headers["Location"].endswith(f"/api/v1/playbooks/{r.get_json()['id']}")
    new = r.get_json()
    assert new["source"] == "import" and new["key"].startswith("cacao-")
    assert new["steps"] == as_admin.get(f"/api/v1/playbooks/{pid}").get_json()["steps"]
    again = as_admin.get(f"/api/v1/playbooks/{new['id']}/cacao").get_json()
    assert again["workflow_start"] and len(again["workflow"]) == len(exported["workflow"])
    names = lambda doc: sorted(s.get("name", "") for s in doc["workflow"].values())  # noqa: E731
    assert names(again) == names(exported)


def test_import_changed_playbook_makes_new_version(app, as_admin):
    rows = synced()
    doc = as_admin.get(f"/api/v1/playbooks/{rows['ddos-public-service'].id}/cacao").get_json()
    doc["name"] = "DDoS on a public service (revised)"
    r = as_admin.post("/api/v1/playbooks/import", json=doc)
    assert r.status_code == 201 and r.get_json()["version"] == 2 and r.get_json()["key"] == "ddos-public-service"


def test_import_refusals(app, as_admin, as_oict):
    rows = synced()
    doc = as_admin.get(f"/api/v1/playbooks/{rows['ddos-public-service'].id}/cacao").get_json()
    assert as_oict.post("/api/v1/playbooks/import", json=doc).status_code == 403
    bad = copy.deepcopy(doc)
    del bad["created_by"]
    r = as_admin.post("/api/v1/playbooks/import", json=bad)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "validation_error"
    assert "_schema" in r.get_json()["error"]["details"]["fields"]
    bad = copy.deepcopy(doc)
    bad["modified"] = "2020-01-01T00:00:00Z"
    r = as_admin.post("/api/v1/playbooks/import", json=bad)
    assert r.status_code == 422 and "modified" in r.get_json()["error"]["details"]["fields"]
    bad = copy.deepcopy(doc)
    del bad["playbook_variables"]["__applies_to__"]
    r = as_admin.post("/api/v1/playbooks/import", json=bad)
    assert "playbook_variables.__applies_to__" in r.get_json()["error"]["details"]["fields"]
    bad = copy.deepcopy(doc)
    for agent in bad["agent_definitions"].values():
        agent["name"] = "DSS"
    r = as_admin.post("/api/v1/playbooks/import", json=bad)
    assert r.status_code == 422 and any("M1" in m[0] for m in r.get_json()["error"]["details"]["fields"].values())
    assert as_admin.post("/api/v1/playbooks/import", json=[1]).status_code == 422
    count = db.session.execute(select(Playbook)).all()
    assert len(count) == len(rows)
