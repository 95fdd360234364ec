"""Attachments through real HTTP on both databases: round trip with the hash, 413, the deny list,
download headers, need to know for `detection`, soft delete, and a killed upload leaving nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Attachment, AuditEntry
from tests.evidence.conftest import PDF, PE, stored_files, upload


def _count(model) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_upload_list_download_round_trip_with_hash(as_oict, store, incident):
    path = f"/api/v1/incidents/{incident.id}/attachments"
    response = upload(as_oict, path, PDF, "../../etc/Report 1.pdf", description="Phishing mail as received")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["size"] == len(PDF) and body["content_type"] == "application/pdf"
    assert body["filename"] == "Report 1.pdf" and body["detection"] is False and body["created_by"] == "oict1"
    assert response.headers["Location"].endswith(f"/api/v1/attachments/{body['id']}")

    listed = as_oict.get(path).get_json()
    assert [a["id"] for a in listed["items"]] == [body["id"]]

    download = as_oict.get(f"/api/v1/attachments/{body['id']}/content")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Report 1.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/pdf"
    assert "sandbox" in download.headers["Content-Security-Policy"]

    db.session.rollback()
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "attachment.create", AuditEntry.object_id == str(body["id"]))
    ).scalar_one()
    assert entry.after["sha256"] == body["sha256"]


def test_html_is_never_served_as_html(as_oict, store, incident):
    page = b"<html><script>alert(1)</script></html>"
    created = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", page, "page.pdf").get_json()
    assert created["content_type"] == "text/plain"  # from the content, not the name
    download = as_oict.get(f"/api/v1/attachments/{created['id']}/content")
    assert download.headers["Content-Type"].startswith("text/plain")
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_too_large_is_413_and_nothing_is_kept(app, as_oict, store, incident):
    from incident_hub import runtime

    rt = app.extensions[runtime.EXTENSION_KEY]
    limit = 1000
    app.extensions[runtime.EXTENSION_KEY] = type(rt)(
        **{**rt.__dict__, "settings": rt.settings.with_(max_attachment_bytes=limit)}
    )
    try:
        runtime.bind(app.extensions)
        before = (_count(Attachment), _count(AuditEntry))
        response = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", b"a" * (limit + 1), "big.txt")
        assert response.status_code == 413
        assert response.get_json()["error"]["code"] == "payload_too_large"
        # far over the limit: refused by the request limit before the service even reads it
        response = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", b"a" * 600_000, "huge.txt")
        assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"
        assert (_count(Attachment), _count(AuditEntry)) == before
        assert stored_files(store) == []
        ok = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", b"a" * limit, "fits.txt")
        assert ok.status_code == 201
    finally:
        app.extensions[runtime.EXTENSION_KEY] = rt
        runtime.bind(app.extensions)


def test_denied_type_is_422_whatever_the_name(as_oict, store, incident):
    before = _count(Attachment)
    for content, name in (
        (PE, "invoice.pdf"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "notes.txt"),
        (b"#!/bin/sh\nrm -rf /\n", "a.txt"),
    ):
        response = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", content, name)
        assert response.status_code == 422, name
        error = response.get_json()["error"]
        assert error["details"]["rule"] == "attachment_type"
    assert _count(Attachment) == before and stored_files(store) == []


def test_bad_requests_name_the_field(as_oict, store, incident):
    path = f"/api/v1/incidents/{incident.id}/attachments"
    missing = as_oict.post(path, data={"description": "x"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["error"]["details"]["fields"]
    assert as_oict.post(path, json={"file": "x"}).status_code == 415
    empty = upload(as_oict, path, b"", "empty.txt")
    assert empty.status_code == 422 and "file" in empty.get_json()["error"]["details"]["fields"]
    bad_flag = upload(as_oict, path, PDF, detection="maybe")
    assert bad_flag.status_code == 422 and "detection" in bad_flag.get_json()["error"]["details"]["fields"]
    assert _count(Attachment) == 0


def test_detection_attachment_is_hidden_from_dss(as_oict, as_dss, as_manager, store, incident):
    path = f"/api/v1/incidents/{incident.id}/attachments"
    secret = upload(as_oict, path, b"sensor rule dump", "ids-rules.txt", detection=True).get_json()
    plain = upload(as_oict, path, PDF, "photo.pdf").get_json()
    assert secret["detection"] is True

    assert [a["id"] for a in as_dss.get(path).get_json()["items"]] == [plain["id"]]
    assert as_dss.get(f"/api/v1/attachments/{secret['id']}/content").status_code == 404
    assert as_dss.get(f"/api/v1/attachments/{secret['id']}").status_code == 404
    assert as_dss.delete(f"/api/v1/attachments/{secret['id']}").status_code == 404
    assert as_dss.get(f"/api/v1/attachments/{plain['id']}/content").status_code == 200
    assert {a["id"] for a in as_manager.get(path).get_json()["items"]} == {secret["id"], plain["id"]}
    # a DSS officer may attach, but not mark as detection (they would not see it)
    refused = upload(as_dss, path, PDF, "x.pdf", detection=True)
    assert refused.status_code == 422 and "detection" in refused.get_json()["error"]["details"]["fields"]
    # the timeline never names a detection file
    timeline = as_dss.get(f"/api/v1/incidents/{incident.id}/timeline").get_json()["items"]
    assert not any("ids-rules" in e["body"] for e in timeline)


def test_incident_the_caller_may_not_see_is_404(login_as, as_oict, store):
    from tests.factories import make_incident

    cyber_only = make_incident()  # R1: DSS takes no part
    dss = login_as("dss_officer", "DSS", "dss2")
    path = f"/api/v1/incidents/{cyber_only.id}/attachments"
    created = upload(as_oict, path, PDF).get_json()
    assert dss.get(path).status_code == 404
    assert upload(dss, path, PDF).status_code == 404
    assert dss.get(f"/api/v1/attachments/{created['id']}/content").status_code == 404


def test_soft_delete_is_audited_and_hides_the_file(as_oict, store, incident):
    created = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", PDF).get_json()
    assert as_oict.delete(f"/api/v1/attachments/{created['id']}").status_code == 204
    assert as_oict.get(f"/api/v1/attachments/{created['id']}/content").status_code == 404
    assert as_oict.get(f"/api/v1/incidents/{incident.id}/attachments").get_json()["items"] == []
    db.session.rollback()
    row = db.session.get(Attachment, created["id"])
    assert row is not None and row.deleted_by == "oict1"
    actions = db.session.execute(
        select(AuditEntry.action).where(AuditEntry.object_type == "attachment", AuditEntry.object_id == str(row.id))
    ).scalars()
    assert list(actions) == ["attachment.create", "attachment.delete"]


def test_same_bytes_are_stored_once(as_oict, store, incident):
    path = f"/api/v1/incidents/{incident.id}/attachments"
    first = upload(as_oict, path, PDF, "a.pdf").get_json()
    second = upload(as_oict, path, PDF, "b.pdf").get_json()
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    assert [p.name for p in stored_files(store)] == [first["sha256"]]


def test_action_and_assessment_attachments(as_oict, store, incident):
    from tests.assessment_factories import create_assessment

    actions = as_oict.get(f"/api/v1/actions?incident_id={incident.id}").get_json()["items"]
    assessment = create_assessment(as_oict, incident_id=incident.id, title="Joint")
    targets = [f"/api/v1/assessments/{assessment['id']}/attachments"]
    if actions:
        targets.append(f"/api/v1/actions/{actions[0]['id']}/attachments")
    for path in targets:
        created = upload(as_oict, path, PDF)
        assert created.status_code == 201, path
        assert [a["id"] for a in as_oict.get(path).get_json()["items"]] == [created.get_json()["id"]]
    assert as_oict.get("/api/v1/actions/999999/attachments").status_code == 404


def test_an_attached_file_is_the_evidence_of_done(as_oict, store):
    from incident_hub.services.actions.commands import new_action
    from incident_hub.services.uow import unit_of_work
    from tests.factories import make_incident

    incident = make_incident()
    with unit_of_work("test") as uow:
        action = new_action(
            uow,
            title="Reimage host",
            phase="mitigation",
            owner_unit="OICT",
            mandate="cyber",
            due_at=None,
            incident_id=incident.id,
        )
    action_id = action.id
    assert as_oict.post(f"/api/v1/actions/{action_id}/transitions", {"to": "in_progress"}).status_code == 200
    other = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", PDF, "other.pdf").get_json()
    wrong = as_oict.post(
        f"/api/v1/actions/{action_id}/transitions", {"to": "done", "evidence_attachment_id": other["id"]}
    )
    assert wrong.status_code == 422 and "evidence_attachment_id" in wrong.get_json()["error"]["details"]["fields"]
    proof = upload(as_oict, f"/api/v1/actions/{action_id}/attachments", PDF, "reimage-log.pdf").get_json()
    done = as_oict.post(
        f"/api/v1/actions/{action_id}/transitions", {"to": "done", "evidence_attachment_id": proof["id"]}
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "done"
    assert "reimage-log.pdf" in done.get_json()["evidence"] and proof["sha256"] in done.get_json()["evidence"]
