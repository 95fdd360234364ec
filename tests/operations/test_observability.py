"""Request ids, /metrics and its access rules, ProxyFix and HSTS (API.md "Operations"), on both databases."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from incident_hub import create_app, logs
from incident_hub.extensions import db
from incident_hub.models import Action, OutboxMessage
from incident_hub.scheduler.jobs import Job
from incident_hub.scheduler.runner import new_owner, run_tick
from incident_hub.services.outbox import deliver_due, enqueue
from incident_hub.services.uow import unit_of_work
from tests.conftest import make_settings
from tests.factories import make_incident
from tests.intake.factories import make_source, payload, post
from tests.services.test_escalation_webhook import Receiver, webhook_to  # noqa: F401  (fixture)

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def configure(app, monkeypatch):
    def _configure(**changes):
        current = app.extensions["incident_hub"]
        monkeypatch.setitem(
            app.extensions, "incident_hub", replace(current, settings=current.settings.with_(**changes))
        )

    return _configure


def scrape(client, **headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples, name, **labels):
    return sum(v for lab, v in samples.get(name, []) if all(lab.get(k) == w for k, w in labels.items()))


def test_request_id_is_generated_echoed_and_honoured(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123.proxy:7"}).headers["X-Request-ID"] == "abc-123.proxy:7"
    )
    for hostile in ("a" * 129, "x y", "bad\u00e9id", "<script>"):
        echoed = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
        assert echoed != hostile and len(echoed) == 32
    assert client.get("/api/v1/incidents").headers["X-Request-ID"]  # errors carry it too (401)


def test_metrics_families_after_traffic(app, client, as_oict):
    incident = make_incident()
    action = db.session.execute(select(Action).where(Action.incident_id == incident.id)).scalars().first()
    action.due_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    source, secret = make_source("alertmanager", name="prom-main")
    assert post(client, source, secret, payload("alertmanager")).status_code == 202
    assert post(client, source, secret, payload("alertmanager")).status_code == 200
    assert post(client, source, "wrong-secret", payload("alertmanager")).status_code == 401
    assert client.post("/api/v1/intake/nobody", data=b"{}", content_type="application/json").status_code == 401
    assert as_oict.get("/api/v1/incidents").status_code == 200
    db.session.rollback()  # the requests shared this context's session (SQLite: one writer)
    assert run_tick(Job("test.tick", 60, lambda: None), new_owner())

    samples = scrape(client)
    assert value(samples, "incident_hub_http_requests_total", endpoint="incidents.Incidents", status="200") >= 1
    assert value(samples, "incident_hub_http_request_duration_seconds_count", endpoint="incidents.Incidents") >= 1
    intake = "incident_hub_intake_deliveries_total"
    assert value(samples, intake, source="prom-main", format="alertmanager", outcome="accepted") >= 1
    assert value(samples, intake, source="prom-main", format="alertmanager", outcome="duplicate") >= 1
    assert value(samples, intake, source="prom-main", format="alertmanager", outcome="refused_signature") >= 1
    assert value(samples, intake, source="unknown", format="unknown", outcome="refused_signature") >= 1
    assert value(samples, "incident_hub_open_incidents", lead_unit="OICT") == 2  # the factory's and the alert's
    assert value(samples, "incident_hub_overdue_actions", owner_unit=action.owner_unit) == 1
    assert value(samples, "incident_hub_scheduler_job_runs_total", job="test.tick") == 1
    assert value(samples, "incident_hub_scheduler_job_failures_total", job="test.tick") == 0
    assert value(samples, "incident_hub_database_up") == 1


def test_outbox_backlog_and_failures_are_reported(app, client, webhook_to):  # noqa: F811
    with Receiver([410]) as receiver:
        webhook_to(receiver.url)
        with unit_of_work("test") as uow:
            enqueue(uow, "test.event", {"n": 1})
            enqueue(uow, "test.event", {"n": 2})
        samples = scrape(client)
        assert value(samples, "incident_hub_outbox_backlog", kind="test.event") == 2
        deliver_due(limit=1)
    samples = scrape(client)
    assert value(samples, "incident_hub_outbox_backlog", kind="test.event") == 1
    assert value(samples, "incident_hub_outbox_failed", kind="test.event") == 1
    assert value(samples, "incident_hub_outbox_attempts_total", kind="test.event", outcome="failed") >= 1


def test_metrics_access_rules(client, configure):
    assert client.get("/metrics").status_code == 200  # nothing configured: loopback only (the test client)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.4"}).status_code == 403
    configure(metrics_token=TOKEN)
    assert client.get("/metrics").status_code == 403  # a token set: no address is open by default
    refused = client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthenticated"
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    configure(metrics_token=None, metrics_allow=("192.0.2.0/24",))
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.4"}).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is not in the list


def test_trusted_proxies_decide_the_client_address(database_url, _migrated_app):
    spoofed = {"X-Forwarded-For": "192.0.2.50, 198.51.100.7", "X-Forwarded-Proto": "https"}
    for hops, expected in ((0, 403), (1, 200)):
        app = create_app(make_settings(database_url, trusted_proxies=hops, metrics_allow=("198.51.100.7/32",)))
        response = app.test_client().get("/metrics", headers=spoofed)
        assert response.status_code == expected, hops
    # two hops: the address the first trusted proxy saw, not the one the client wrote
    app = create_app(make_settings(database_url, trusted_proxies=2, metrics_allow=("192.0.2.50/32",)))
    assert app.test_client().get("/metrics", headers=spoofed).status_code == 200
    app = create_app(make_settings(database_url, trusted_proxies=1, metrics_allow=("192.0.2.50/32",)))
    assert app.test_client().get("/metrics", headers=spoofed).status_code == 403


def test_hsts_only_when_cookies_are_secure(database_url, _migrated_app, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = create_app(make_settings(database_url, session_cookie_secure=True))
    hsts = secure.test_client().get("/healthz").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")


def test_outbox_delivery_carries_the_request_id_of_the_request_that_queued_it(app, webhook_to):  # noqa: F811
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s %(message)s"))
    logging.getLogger("incident_hub").addHandler(handler)
    logging.getLogger("incident_hub").setLevel(logging.INFO)
    try:
        with Receiver([]) as receiver:
            webhook_to(receiver.url)
            with logs.bound_request_id("req-from-the-caller"), unit_of_work("test") as uow:
                enqueue(uow, "test.event", {"n": 1})
            with logs.bound_request_id("job-outbox.deliver-1"):
                assert deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0, "cancelled": 0}
    finally:
        logging.getLogger("incident_hub").removeHandler(handler)
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.request_id == "req-from-the-caller"
    assert receiver.headers[0]["X-Request-ID"] == "req-from-the-caller"
    lines = [line for line in stream.getvalue().splitlines() if "webhook" in line]
    assert lines and all(line.startswith("req-from-the-caller ") for line in lines)


def test_json_log_lines_carry_the_request_id_and_no_secret():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.addFilter(logs.Redactor())
    handler.setFormatter(logs.JsonFormatter(logs.JSON_FIELDS, rename_fields={"asctime": "time"}))
    log = logging.getLogger("incident_hub.test_json")
    log.addHandler(handler)
    log.propagate = False
    try:
        with logs.bound_request_id("rid-1"):
            log.warning("header was %s", "Authorization: Bearer ih_abc.def")
            log.warning("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and password=hunter2")
    finally:
        log.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["rid-1", "rid-1"]
    text = stream.getvalue()
    assert "ih_abc" not in text and "MfKQ9r8" not in text and "hunter2" not in text
