"""Overdue escalation: timeline, audit and a Standard Webhooks delivery to a real local receiver
(127.0.0.1) that verifies the signature, including one that fails and then recovers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.intake.signing import sign_standard_webhooks as sign
from incident_hub.models import Action, AuditEntry, OutboxMessage, TimelineEvent
from incident_hub.services.actions.escalation import escalate_overdue
from incident_hub.services.outbox import deliver_due

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_signature_matches_the_standard_webhooks_test_vector():
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}') == expected


class Receiver:
    """A webhook receiver on 127.0.0.1 answering the given statuses in turn (then 200)."""

    def __init__(self, statuses):
        self.statuses, self.received, self.headers = list(statuses), [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                msg_id, ts = self.headers["webhook-id"], self.headers["webhook-timestamp"]
                key = base64.b64decode(SECRET.removeprefix("whsec_"))
                digest = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
                valid = hmac.compare_digest(
                    self.headers["webhook-signature"], "v1," + base64.b64encode(digest).decode()
                )
                receiver.received.append({"id": msg_id, "valid": valid, "body": json.loads(body)})
                receiver.headers.append(dict(self.headers))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status if valid else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/escalation"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_to(app, monkeypatch):
    def configure(url):
        current = app.extensions["incident_hub"]
        settings = current.settings.with_(escalation_webhook_url=url, escalation_webhook_secret=SECRET)
        monkeypatch.setitem(app.extensions, "incident_hub", replace(current, settings=settings))

    return configure


def overdue_action():
    from tests.factories import make_incident

    incident = make_incident(severity="high", vectors=["digital"], effects=["service_outage"], deliberate=True)
    action = db.session.execute(select(Action).where(Action.incident_id == incident.id)).scalars().first()
    action.due_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    return action.id, incident.id


def test_overdue_action_is_escalated_once_and_delivered_after_a_failure(app, webhook_to):
    with Receiver([500]) as receiver:
        webhook_to(receiver.url)
        action_id, incident_id = overdue_action()
        now = datetime.now(UTC)
        assert escalate_overdue(now) == 1
        assert escalate_overdue(now) == 0  # once each
        events = db.session.execute(select(TimelineEvent).where(TimelineEvent.kind == "action_overdue")).scalars()
        assert [e.incident_id for e in events] == [incident_id]
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "action.escalate")).scalar_one()
        assert audit.object_id == str(action_id) and audit.after["webhook_id"].startswith("msg_")

        assert deliver_due(now) == {"delivered": 0, "retrying": 1, "failed": 0, "cancelled": 0}
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.status == "pending" and message.attempts == 1 and message.last_status_code == 500
        assert message.next_attempt_at >= now + timedelta(seconds=30)
        assert deliver_due(now) == {"delivered": 0, "retrying": 0, "failed": 0, "cancelled": 0}  # backing off
        assert deliver_due(now + timedelta(seconds=31)) == {"delivered": 1, "retrying": 0, "failed": 0, "cancelled": 0}
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "delivered" and message.delivered_at is not None and message.attempts == 2
    assert [r["valid"] for r in receiver.received] == [True, True]
    assert receiver.received[0]["id"] == receiver.received[1]["id"] == message.message_id
    data = receiver.received[1]["body"]
    assert data["type"] == "action.overdue" and data["data"]["action_id"] == action_id
    assert "detection" not in json.dumps(data)


def test_gone_receiver_is_recorded_as_failed(app, webhook_to):
    with Receiver([410]) as receiver:
        webhook_to(receiver.url)
        overdue_action()
        escalate_overdue()
        assert deliver_due() == {"delivered": 0, "retrying": 0, "failed": 1, "cancelled": 0}
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.status == "failed" and message.last_status_code == 410


def test_unreachable_receiver_retries_with_backoff_then_fails(app, webhook_to):
    with Receiver([]) as receiver:
        url = receiver.url
    webhook_to(url)  # the server is closed: connection refused
    overdue_action()
    now = datetime.now(UTC)
    escalate_overdue(now)
    moment = now
    for attempt in range(1, 9):
        counts = deliver_due(moment)
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.attempts == attempt and message.last_error
        moment = message.next_attempt_at + timedelta(seconds=1)
    assert counts == {"delivered": 0, "retrying": 0, "failed": 1, "cancelled": 0} and message.status == "failed"


def test_no_webhook_configured_still_escalates(app):
    action_id, _ = overdue_action()
    assert escalate_overdue() == 1
    assert db.session.execute(select(OutboxMessage)).first() is None
    db.session.expire_all()
    assert db.session.get(Action, action_id).escalated_at is not None


def test_new_due_date_re_arms_escalation(app, as_manager):
    action_id, _ = overdue_action()
    escalate_overdue()
    r = as_manager.patch(f"/api/v1/actions/{action_id}", json={"due_at": "2020-01-01T00:00:00Z"})
    assert r.status_code == 200 and r.get_json()["escalated_at"] is None and r.get_json()["overdue"] is True
    assert escalate_overdue() == 1
