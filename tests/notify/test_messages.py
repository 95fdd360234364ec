"""What messages may say (TLP 2.0, para 6), who hears (need to know, preferences, mentions), and
delivery (retries after a failing receiver, Slack-compatible payloads). Real SMTP and HTTP receivers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Notification, OutboxMessage
from incident_hub.services.notify.relay import relay_notifications
from incident_hub.services.outbox import deliver_due
from tests.notify.conftest import parts, person

TITLE_MARKER = "ZEBRA-TITLE-MARKER"
DETECTION = {"sensor": "SENSOR-MARKER", "rule": "RULE-MARKER", "indicators": ["IOC-MARKER-198.51.100.9"]}
R2 = {"vectors": ["digital"], "effects": ["premises_security_gap"], "deliberate": True}
R1 = {"vectors": ["digital"], "effects": ["service_outage"], "deliberate": True}


def _create(client, token, tlp, facts=R2, title=f"Door controllers {TITLE_MARKER}"):
    body = {"title": title, "severity": "high", "tlp": tlp, "detection": DETECTION, **facts}
    response = client.post("/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _notes(user_id, event=None):
    q = select(Notification).where(Notification.user_id == user_id)
    if event:
        q = q.where(Notification.event == event)
    return list(db.session.execute(q).scalars())


def _action(incident_id, unit, due_at=None):
    from incident_hub.services.actions.commands import new_action
    from incident_hub.services.uow import unit_of_work

    with unit_of_work("test") as uow:
        action = new_action(
            uow,
            title="Rotate badge keys",
            phase="mitigation",
            owner_unit=unit,
            mandate=None,
            due_at=due_at,
            incident_id=incident_id,
        )
    return action.id


def _outside_text(mailbox, address):
    out = []
    for message in mailbox.to(address):
        text, html = parts(message)
        out.append(str(message["Subject"]) + text + html)
    return "\n".join(out)


def test_amber_and_above_never_carry_the_title_outside(app, client, mail_settings, receivers, as_admin):
    slack = receivers(ok_status=200)
    as_admin.post(
        "/api/v1/channels", json={"unit": "DSS", "kind": "slack", "url": slack.url, "events": ["incident.routed"]}
    )
    _, oict = person("oict_responder", "OICT", "oict-a", "oict-a@example.org")
    person("dss_officer", "DSS", "dss-a", "dss-a@example.org")
    for tlp in ("TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"):
        _create(client, oict, tlp)
    deliver_due()
    mail = _outside_text(mail_settings, "dss-a@example.org")
    chat = "\n".join(r["body"]["text"] for r in slack.received)
    assert mail.count("[incident_hub] Incident #") == 3 and len(slack.received) == 3
    for tlp in ("TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"):
        assert f"({tlp}) needs your attention" in mail and f"({tlp}) needs your attention" in chat
    for text in (mail, chat):
        assert TITLE_MARKER not in text and "MARKER-198" not in text and "SENSOR-MARKER" not in text
    # In the app, where the reader may see the incident, the title is shown.
    dss_notes = db.session.execute(select(Notification.title)).scalars().all()
    assert all(TITLE_MARKER in t for t in dss_notes)


def test_clear_and_green_carry_the_title_but_never_detection(app, client, mail_settings):
    _, oict = person("oict_responder", "OICT", "oict-b", "oict-b@example.org")
    person("dss_officer", "DSS", "dss-b", "dss-b@example.org")
    _create(client, oict, "TLP:CLEAR")
    _create(client, oict, "TLP:GREEN")
    deliver_due()
    mail = _outside_text(mail_settings, "dss-b@example.org")
    assert mail.count(TITLE_MARKER) >= 2
    assert "IOC-MARKER" not in mail and "SENSOR-MARKER" not in mail and "RULE-MARKER" not in mail


def test_dss_never_hears_of_an_incident_dss_takes_no_part_in(app, client, mail_settings):
    _, oict = person("oict_responder", "OICT", "oict-c", "oict-c@example.org")
    person("oict_responder", "OICT", "oict-d", "oict-d@example.org")
    dss, dss_token = person("dss_officer", "DSS", "dss-c", "dss-c@example.org")
    _create(client, oict, "TLP:CLEAR", facts=R1)  # R1: OICT only
    deliver_due()
    assert _notes(dss.id) == [] and mail_settings.recipients == ["oict-d@example.org"]
    headers = {"Authorization": f"Bearer {dss_token}"}
    assert client.get("/api/v1/notifications/unread-count", headers=headers).json == {"count": 0}


def test_preferences_are_respected(app, client, mail_settings):
    _, oict = person("oict_responder", "OICT", "oict-e", "oict-e@example.org")
    quiet, token = person("dss_officer", "DSS", "dss-quiet", "dss-quiet@example.org")
    person("dss_officer", "DSS", "dss-loud", "dss-loud@example.org")
    headers = {"Authorization": f"Bearer {token}"}
    got = client.get("/api/v1/me/notification-preferences", headers=headers).json
    assert got["events"]["incident.routed"] == ["in_app", "email"] and got["digest"] == "off"
    assert got["events"]["incident.status_changed"] == ["in_app"]
    put = client.put(
        "/api/v1/me/notification-preferences",
        json={"events": {"incident.routed": []}, "digest": "off"},
        headers=headers,
    )
    assert put.status_code == 200 and put.json["events"]["incident.routed"] == ["in_app"]  # in-app always
    bad = client.put("/api/v1/me/notification-preferences", json={"events": {"nope": ["email"]}}, headers=headers)
    assert bad.status_code == 422 and "events.nope" in bad.json["error"]["details"]["fields"]
    _create(client, oict, "TLP:CLEAR")
    deliver_due()
    assert mail_settings.recipients == ["dss-loud@example.org"]
    assert len(_notes(quiet.id, "incident.routed")) == 1  # still told in the app


def test_mentions_notify_only_people_who_may_see_the_incident(app, client, mail_settings):
    _, oict = person("oict_responder", "OICT", "oict-f", None)
    other, _ = person("oict_responder", "OICT", "oict-g", "oict-g@example.org")
    dss, _ = person("dss_officer", "DSS", "dss-f", "dss-f@example.org")
    incident_id = _create(client, oict, "TLP:AMBER", facts=R1)
    db.session.execute(Notification.__table__.delete())
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    body = {"body": "@dss-f and @oict-g: please look (mail me at someone@oict-g.org)"}
    response = client.post(
        f"/api/v1/incidents/{incident_id}/timeline", json=body, headers={"Authorization": f"Bearer {oict}"}
    )
    assert response.status_code == 201
    assert _notes(dss.id) == []
    [note] = _notes(other.id, "comment.mention")
    assert note.data["actor"] == "oict-f" and note.url == f"/incidents/{incident_id}"
    deliver_due()
    assert mail_settings.recipients == ["oict-g@example.org"]
    assert "mentioned you" in _outside_text(mail_settings, "oict-g@example.org")


def test_a_failing_chat_receiver_recovers_and_gets_the_message_once(app, client, receivers, as_admin):
    slack = receivers([500, 503], ok_status=200)
    as_admin.post(
        "/api/v1/channels", json={"unit": "OICT", "kind": "slack", "url": slack.url, "events": ["incident.routed"]}
    )
    _, oict = person("oict_responder", "OICT", "oict-h", None)
    incident_id = _create(client, oict, "TLP:GREEN", facts=R1, title="Mail relay down <b>&</b>")
    now = datetime.now(UTC)
    assert deliver_due(now)["retrying"] == 1
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.last_status_code == 500 and message.attempts == 1
    assert deliver_due(now)["retrying"] == 0  # backing off
    assert deliver_due(now + timedelta(seconds=31))["retrying"] == 1
    assert deliver_due(now + timedelta(minutes=10))["delivered"] == 1
    assert deliver_due(now + timedelta(hours=3)) == {"delivered": 0, "retrying": 0, "failed": 0, "cancelled": 0}
    assert len(slack.received) == 3
    text = slack.received[-1]["body"]["text"]
    assert f"/incidents/{incident_id}|Open in incident_hub>" in text
    assert "Mail relay down &lt;b&gt;&amp;&lt;/b&gt;" in text  # mrkdwn control characters escaped


def test_owner_and_assignee_are_told_and_follow(app, client, mail_settings, as_manager):
    _, oict = person("oict_responder", "OICT", "oict-i", None)
    owner, owner_token = person("oict_responder", "OICT", "oict-owner", "owner@example.org")
    person("dss_officer", "DSS", "dss-i", None)
    incident_id = _create(client, oict, "TLP:AMBER", facts=R2)
    refused = as_manager.patch(f"/api/v1/incidents/{incident_id}", json={"owner": "dss-i"})
    assert refused.status_code == 422 and "owner" in refused.json["error"]["details"]["fields"]
    ok = as_manager.patch(f"/api/v1/incidents/{incident_id}", json={"owner": "oict-owner"})
    assert ok.status_code == 200 and ok.json["owner"] == "oict-owner"
    assert len(_notes(owner.id, "incident.owner_assigned")) == 1
    followers = client.get(
        f"/api/v1/incidents/{incident_id}/followers", headers={"Authorization": f"Bearer {owner_token}"}
    ).json
    assert {f["username"] for f in followers["items"]} == {"oict-i", "oict-owner"}
    # followers hear of status changes; the one who changed it does not
    as_manager.post(f"/api/v1/incidents/{incident_id}/transitions", json={"to": "acknowledged"})
    assert len(_notes(owner.id, "incident.status_changed")) == 1
    action_id = _action(incident_id, "OICT")
    assigned = as_manager.patch(f"/api/v1/actions/{action_id}", json={"assignee": "oict-owner"})
    assert assigned.status_code == 200
    [note] = _notes(owner.id, "action.assigned")
    assert note.url == f"/actions/{action_id}" and note.object_type == "action"
    deliver_due()
    subjects = [m["Subject"] for m in mail_settings.to("owner@example.org")]
    assert any(f"Incident #{incident_id} (TLP:AMBER) needs your attention" in s for s in subjects)
    assert TITLE_MARKER not in str([parts(m) for m in mail_settings.to("owner@example.org")])


def test_notifications_api_read_one_and_all(app, client):
    _, oict = person("oict_responder", "OICT", "oict-j", None)
    _, token = person("oict_responder", "OICT", "oict-k", None)
    for _ in range(3):
        _create(client, oict, "TLP:CLEAR", facts=R1)
    headers = {"Authorization": f"Bearer {token}"}
    items = client.get("/api/v1/notifications", headers=headers).json["items"]
    assert len(items) == 3 and items[0]["id"] > items[1]["id"]
    read = client.post(f"/api/v1/notifications/{items[0]['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json["read_at"]
    assert client.get("/api/v1/notifications/unread-count", headers=headers).json == {"count": 2}
    other = client.post(f"/api/v1/notifications/{items[0]['id']}/read", headers={"Authorization": f"Bearer {oict}"})
    assert other.status_code == 404 and other.json["error"]["code"] == "not_found"
    assert client.post("/api/v1/notifications/read-all", headers=headers).json == {"marked": 2}
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json["total"] == 0
    assert client.get("/api/v1/notifications/unread-count").status_code == 401


def test_channels_are_for_admins_and_validated(app, client, receivers, as_admin, as_oict):
    assert as_oict.get("/api/v1/channels").status_code == 403
    bad = as_admin.post("/api/v1/channels", json={"unit": "NOPE", "kind": "fax", "url": "ftp://x", "events": ["x"]})
    assert bad.status_code == 422 and set(bad.json["error"]["details"]["fields"]) == {"unit", "kind", "url", "events"}
    teams = receivers()
    made = as_admin.post(
        "/api/v1/channels", json={"unit": "DSS", "kind": "teams", "url": teams.url, "events": ["action.overdue"]}
    )
    assert made.status_code == 201 and "url" not in made.json and made.json["url_host"].startswith("127.0.0.1:")
    tested = as_admin.post(f"/api/v1/channels/{made.json['id']}/test")
    assert tested.json == {"delivered": True, "status_code": 202, "error": ""}
    card = teams.received[0]["body"]["attachments"][0]["content"]
    assert card["version"] == "1.5" and "DSS" in str(card)
    assert as_admin.get("/api/v1/channels/failures").json == {"items": [], "total": 0}
    assert as_admin.delete(f"/api/v1/channels/{made.json['id']}").status_code == 204


def test_failures_are_visible_to_admins(app, client, receivers, as_admin):
    gone = receivers([410])
    as_admin.post(
        "/api/v1/channels", json={"unit": "OICT", "kind": "slack", "url": gone.url, "events": ["incident.routed"]}
    )
    _, oict = person("oict_responder", "OICT", "oict-l", None)
    _create(client, oict, "TLP:CLEAR", facts=R1)
    assert deliver_due()["failed"] == 1
    failures = as_admin.get("/api/v1/channels/failures").json
    assert failures["total"] == 1
    [row] = failures["items"]
    assert row["channel"] == "slack" and row["event"] == "incident.routed" and row["last_status_code"] == 410


def test_new_endpoints_are_in_the_openapi_spec(as_oict):
    paths = as_oict.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/notifications",
        "/api/v1/notifications/unread-count",
        "/api/v1/notifications/{notification_id}/read",
        "/api/v1/notifications/read-all",
        "/api/v1/me",
        "/api/v1/me/notification-preferences",
        "/api/v1/incidents/{incident_id}/followers",
        "/api/v1/incidents/{incident_id}/followers/me",
        "/api/v1/channels",
        "/api/v1/channels/{channel_id}/test",
        "/api/v1/channels/failures",
    ):
        assert path in paths, path


def test_me_sets_email_and_language(as_dss):
    assert as_dss.get("/api/v1/me").get_json()["email"] is None
    changed = as_dss.patch("/api/v1/me", json={"email": "dss1@example.org", "language": "fr"})
    assert changed.status_code == 200 and changed.get_json()["email"] == "dss1@example.org"
    bad = as_dss.patch("/api/v1/me", json={"email": "not-an-address", "language": "xx"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["details"]["fields"]) == {"email", "language"}
    assert as_dss.get("/api/v1/me").get_json()["language"] == "fr"


def test_a_resent_email_has_the_same_message_id(app, client, mail_settings):
    """A scheduler killed after the SMTP server took a message but before the row said so sends it
    again (the fault script bench/faults/scheduler_kill.py does this): the resend must carry the
    same Message-ID, derived from the outbox row only, so it is recognisably the same message."""
    from incident_hub.services.notify.email import send_email

    _, oict = person("oict_responder", "OICT", "oict-r", "oict-r@example.org")
    person("oict_responder", "OICT", "oict-s", "oict-s@example.org")
    _create(client, oict, "TLP:CLEAR", facts=R1)
    db.session.rollback()
    assert relay_notifications(datetime.now(UTC)) >= 1  # the outbox job's first step: notifications → messages
    message = db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "email")).scalar_one()
    assert send_email(message).delivered and send_email(message).delivered  # sent, then sent again
    first, again = mail_settings.to("oict-s@example.org")
    assert first["Message-ID"] == again["Message-ID"] == f"<{message.message_id}@incident-hub>"
