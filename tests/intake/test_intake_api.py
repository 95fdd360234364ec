"""POST /api/v1/intake/<source> with real signed requests, on SQLite and PostgreSQL (issue 7)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Alert, AuditEntry, Delivery, Incident, Source, TimelineEvent
from incident_hub.services.intake.sources import rotate_source, update_source
from tests.intake.factories import GENERIC_PAYLOAD, make_source, payload, post, signed_headers

FORMATS = ("alertmanager", "grafana", "generic")
TABLES = (Delivery, Alert, Incident, TimelineEvent, AuditEntry)


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.__tablename__: db.session.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def incident(incident_id: int) -> Incident:
    db.session.expire_all()
    return db.session.get(Incident, incident_id)


def events(incident_id: int) -> list[str]:
    q = select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident_id).order_by(TimelineEvent.id)
    return list(db.session.execute(q).scalars())


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_is_stored_and_opens_an_incident(client, fmt):
    source, secret = make_source(fmt)
    response = post(client, source, secret, payload(fmt))
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["duplicate"] is False and body["alerts"] == 1 and len(body["incidents"]) == 1
    stored = db.session.get(Delivery, body["delivery_id"])
    assert json.loads(stored.body) == payload(fmt)
    inc = incident(body["incidents"][0])
    # The labels say nothing about vectors: OICT triages (R5); detection holds the labels.
    assert inc.rule == "R5" and inc.lead_unit == "OICT" and inc.status == "new"
    assert inc.detection["sensor"].startswith(source.name) and inc.detection["labels"]
    assert inc.detection["rule"] == payload(fmt)["alerts"][0]["labels"]["alertname"]
    assert events(inc.id) == ["created", "routed"]


def test_alertmanager_labels_set_severity_location_and_title(client):
    source, secret = make_source("alertmanager")
    body = post(client, source, secret, payload("alertmanager")).get_json()
    inc = incident(body["incidents"][0])
    assert (inc.severity, inc.location, inc.title) == ("critical", "nyc-hq", "Badge readers unreachable")
    assert inc.detection["indicators"] == [] and inc.detection["fingerprint"] == "1a30ba71cca2921f"


def test_mapping_rules_route_a_hybrid_alertmanager_alert_r3(client):
    source, secret = make_source("alertmanager")
    rule = {
        "match": {"alertname": "BadgeReaderOffline"},
        "match_re": {"site": "nyc-.*"},
        "vectors": ["digital"],
        "effects": ["programme_disruption", "premises_security_gap"],
        "deliberate": True,
    }
    update_source("test", source.name, {"mapping": {"rules": [rule]}})
    body = post(client, source, secret, payload("alertmanager")).get_json()
    inc = incident(body["incidents"][0])
    assert inc.rule == "R3" and inc.hybrid is True and inc.partner_units == ["DSS"]
    assert inc.joint_assessment_due_at is not None


def test_label_conventions_route_without_rules(client):
    source, secret = make_source("alertmanager")
    labels = {
        "alertname": "ACSIntrusion",
        "vectors": "digital",
        "effects": "programme_disruption,personnel_harm_risk",
        "deliberate": "true",
    }
    body = post(client, source, secret, payload("alertmanager", labels=labels, fingerprint="aa")).get_json()
    assert incident(body["incidents"][0]).rule == "R3"


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_delivery_again_is_a_duplicate_storing_nothing(client, fmt):
    source, secret = make_source(fmt)
    raw = json.dumps(payload(fmt)).encode()
    first = post(client, source, secret, body=raw, msg_id="msg_same")
    before = counts()
    # A retry: same body (and, for Standard Webhooks, the same id with a new timestamp).
    again = post(client, source, secret, body=raw, msg_id="msg_same", ts=int(time.time()) + 5)
    assert again.status_code == 200
    assert again.get_json() == {
        "delivery_id": first.get_json()["delivery_id"],
        "duplicate": True,
        "alerts": 1,
        "incidents": [],
    }
    assert counts() == before


def test_fingerprint_attaches_to_its_open_incident(client):
    source, secret = make_source("alertmanager")
    first = post(client, source, secret, payload("alertmanager")).get_json()
    repeat = payload("alertmanager", annotations={"summary": "Badge readers still unreachable"})
    second = post(client, source, secret, repeat)
    assert second.status_code == 202
    assert second.get_json()["incidents"] == first["incidents"]
    assert counts()["incidents"] == 1 and counts()["intake_deliveries"] == 2
    alert = db.session.execute(select(Alert)).scalar_one()
    assert alert.last_delivery_id == second.get_json()["delivery_id"]
    assert alert.annotations["summary"] == "Badge readers still unreachable"


def test_resolved_alert_is_recorded_and_leaves_the_incident_open(client):
    source, secret = make_source("alertmanager")
    opened = post(client, source, secret, payload("alertmanager")).get_json()
    resolved = payload("alertmanager", status="resolved", endsAt="2025-01-15T10:00:00Z")
    resolved["status"] = "resolved"
    answer = post(client, source, secret, resolved)
    assert answer.status_code == 202 and answer.get_json()["incidents"] == opened["incidents"]
    inc = incident(opened["incidents"][0])
    assert inc.status == "new"
    alert = db.session.execute(select(Alert)).scalar_one()
    assert alert.status == "resolved" and alert.resolved_at.isoformat() == "2025-01-15T10:00:00+00:00"
    assert events(inc.id)[-1] == "alert_resolved"
    refire = payload("alertmanager", startsAt="2025-01-15T11:00:00Z")
    assert post(client, source, secret, refire).get_json()["incidents"] == opened["incidents"]
    assert events(inc.id)[-1] == "alert_refired"
    db.session.expire_all()
    assert db.session.execute(select(Alert)).scalar_one().status == "firing"
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    own = [a for a in actions if a.split(".")[0] in ("source", "incident")]  # playbook actions aside
    assert own == ["source.create", "incident.create", "incident.alerts", "incident.alerts"]


def test_resolved_alert_never_seen_opens_nothing(client):
    source, secret = make_source("generic")
    before = counts()
    answer = post(client, source, secret, {"alerts": [{"status": "resolved", "labels": {"alertname": "Gone"}}]})
    assert answer.status_code == 202 and answer.get_json()["incidents"] == []
    after = counts()
    assert after["incidents"] == before["incidents"] and after["intake_deliveries"] == before["intake_deliveries"] + 1


def test_new_fingerprint_of_the_same_group_joins_the_open_incident(client):
    source, secret = make_source("alertmanager")
    first = post(client, source, secret, payload("alertmanager")).get_json()
    other = payload("alertmanager", fingerprint="2b41cb82ddb3a30a", labels={"alertname": "BadgeReaderOffline"})
    answer = post(client, source, secret, other).get_json()
    assert answer["incidents"] == first["incidents"] and counts()["incidents"] == 1
    assert events(first["incidents"][0])[-1] == "alert_joined"


def test_grafana_catch_all_group_does_not_merge_alerts(client):
    source, secret = make_source("grafana")
    first = post(client, source, secret, payload("grafana")).get_json()
    second = post(client, source, secret, payload("grafana", fingerprint="ffff", labels={"alertname": "Other"}))
    assert second.get_json()["incidents"] != first["incidents"]


def test_closed_incident_gets_a_new_one_on_refire(client):
    source, secret = make_source("generic")
    first = post(client, source, secret, GENERIC_PAYLOAD).get_json()
    db.session.execute(update(Incident).values(status="resolved"))
    db.session.commit()
    second = post(client, source, secret, GENERIC_PAYLOAD).get_json()
    assert second["incidents"] != first["incidents"] and counts()["incidents"] == 2


# --- refusals: each answers the envelope and writes nothing ---------------------------------


def refusal(client, response, status: int, code: str, before: dict[str, int]) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert counts() == before
    return error


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_or_absent_credentials_401(client, fmt):
    source, secret = make_source(fmt)
    _, other_secret = make_source(fmt)
    before = counts()
    refusal(client, post(client, source, other_secret, payload(fmt)), 401, "bad_signature", before)
    raw = json.dumps(payload(fmt)).encode()
    no_creds = client.post(f"/api/v1/intake/{source.name}", data=raw, content_type="application/json")
    error = refusal(client, no_creds, 401, "bad_signature", before)
    assert error["message"] == "The delivery's credentials are missing or wrong."
    tampered = signed_headers(fmt, secret, raw)
    response = client.post(
        f"/api/v1/intake/{source.name}", data=raw + b" ", headers=tampered, content_type="application/json"
    )
    if fmt != "alertmanager":  # a bearer token does not cover the body
        refusal(client, response, 401, "bad_signature", before)


@pytest.mark.parametrize("fmt", ["grafana", "generic"])
def test_stale_timestamp_401(client, fmt):
    source, secret = make_source(fmt)
    before = counts()
    # Clearly outside the window: the exact ±300 s boundary is tested with a fixed clock in test_signing.py.
    for ts in (int(time.time()) - 400, int(time.time()) + 400):
        error = refusal(client, post(client, source, secret, payload(fmt), ts=ts), 401, "stale_delivery", before)
        assert error["details"] == {"tolerance_seconds": 300}


def test_unknown_and_disabled_sources_answer_like_bad_credentials(client):
    source, secret = make_source("alertmanager")
    before = counts()
    unknown = client.post(
        "/api/v1/intake/no-such-source",
        data=json.dumps(payload("alertmanager")),
        headers={"Authorization": f"Bearer {secret}"},
        content_type="application/json",
    )
    unknown_error = refusal(client, unknown, 401, "bad_signature", before)
    update_source("test", source.name, {"enabled": False})
    before = counts()
    disabled_error = refusal(
        client, post(client, source, secret, payload("alertmanager")), 401, "bad_signature", before
    )
    assert unknown_error == disabled_error


@pytest.mark.parametrize("fmt", FORMATS)
def test_not_json_415_and_unparseable_400(client, fmt):
    source, secret = make_source(fmt)
    before = counts()
    raw = json.dumps(payload(fmt)).encode()
    headers = {**signed_headers(fmt, secret, raw), "Content-Type": "text/plain"}
    response = client.post(f"/api/v1/intake/{source.name}", data=raw, headers=headers)
    refusal(client, response, 415, "unsupported_media_type", before)
    refusal(client, post(client, source, secret, body=b'{"alerts": ['), 400, "bad_json", before)
    refusal(client, post(client, source, secret, body=b"\xff\xfe{}"), 400, "bad_json", before)


def test_too_big_413(client, app):
    source, secret = make_source("generic")
    before = counts()
    big = {"alerts": [{"status": "firing", "labels": {"x": "y" * app.config["MAX_CONTENT_LENGTH"]}}]}
    refusal(client, post(client, source, secret, big), 413, "payload_too_large", before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_shape_422_names_fields(client, fmt):
    source, secret = make_source(fmt)
    before = counts()
    bad = payload(fmt, status="burning", labels={"alertname": 3})
    error = refusal(client, post(client, source, secret, bad), 422, "validation_error", before)
    assert {"alerts.0.status", "alerts.0.labels"} <= set(error["details"]["fields"])
    error = refusal(client, post(client, source, secret, [1, 2]), 422, "validation_error", before)
    assert "_schema" in error["details"]["fields"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_rotation_keeps_the_old_secret_for_the_grace_period_only(client, fmt):
    source, old = make_source(fmt)
    _, new = rotate_source("test", source.name, grace_hours=2)
    assert post(client, source, old, payload(fmt, fingerprint="a1")).status_code == 202
    assert post(client, source, new, payload(fmt, fingerprint="a2")).status_code == 202
    db.session.execute(update(Source).values(previous_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    before = counts()
    refusal(client, post(client, source, old, payload(fmt, fingerprint="a3")), 401, "bad_signature", before)
    assert post(client, source, new, payload(fmt, fingerprint="a4")).status_code == 202
    _, newest = rotate_source("test", source.name, grace_hours=0)
    before = counts()
    refusal(client, post(client, source, new, payload(fmt, fingerprint="a5")), 401, "bad_signature", before)
    assert post(client, source, newest, payload(fmt, fingerprint="a6")).status_code == 202


def test_generic_sender_signing_with_old_and_new_secret_passes(client):
    source, old = make_source("generic")
    _, new = rotate_source("test", source.name, grace_hours=0)
    raw = json.dumps(GENERIC_PAYLOAD).encode()
    h_old, ts = signed_headers("generic", old, raw, msg_id="m1"), int(time.time())
    h_new = signed_headers("generic", new, raw, ts=ts, msg_id="m1")
    sigs = (
        f"{signed_headers('generic', old, raw, ts=ts, msg_id='m1')['webhook-signature']} {h_new['webhook-signature']}"
    )
    headers = {**h_old, "webhook-timestamp": str(ts), "webhook-signature": sigs, "Content-Type": "application/json"}
    assert client.post(f"/api/v1/intake/{source.name}", data=raw, headers=headers).status_code == 202


# --- passing failures: 503 with Retry-After, never 4xx ----------------------------------------


def test_database_failure_is_503_with_retry_after(client, monkeypatch):
    source, secret = make_source("alertmanager")
    before = counts()

    def broken_commit(self):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", broken_commit)
    response = post(client, source, secret, payload("alertmanager"))
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "unavailable"
    assert counts() == before
    assert post(client, source, secret, payload("alertmanager")).status_code == 202  # the retry succeeds


def test_rate_limit_is_503_with_retry_after(client):
    source, secret = make_source("alertmanager", rate_limit=1)
    assert post(client, source, secret, payload("alertmanager", fingerprint="r1")).status_code == 202
    before = counts()
    response = post(client, source, secret, payload("alertmanager", fingerprint="r2"))
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    assert counts() == before


def test_digest_keys_expire_after_the_retention_window_webhook_ids_do_not(client):
    from incident_hub.services.intake.sources import DIGEST_RETENTION, expire_delivery_keys

    am, am_secret = make_source("alertmanager")
    gen, gen_secret = make_source("generic")
    raw = json.dumps(payload("alertmanager")).encode()
    assert post(client, am, am_secret, body=raw).status_code == 202
    assert post(client, gen, gen_secret, GENERIC_PAYLOAD, msg_id="msg_kept").status_code == 202
    assert expire_delivery_keys() == 0  # still inside the window
    old = utcnow() - DIGEST_RETENTION - timedelta(seconds=1)
    db.session.execute(update(Delivery).values(received_at=old))
    db.session.commit()
    assert expire_delivery_keys() == 1
    assert post(client, am, am_secret, body=raw).status_code == 202  # counts again (attaches)
    assert post(client, gen, gen_secret, GENERIC_PAYLOAD, msg_id="msg_kept").status_code == 200
