"""Done when (issue 14): an R3 incident created through the API notifies DSS's members in the app
and by email within one scheduler tick, and the unit's Teams channel receives the Adaptive Card."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Notification, OutboxMessage
from tests.notify.conftest import deliver_tick, parts, person

R3 = {
    "title": "Badge system sabotaged at HQ",
    "vectors": ["digital"],
    "effects": ["programme_disruption", "personnel_harm_risk"],
    "deliberate": True,
    "severity": "high",
    "tlp": "TLP:GREEN",
    "detection": {"sensor": "SENSOR-MARKER-7", "rule": "RULE-MARKER-9", "indicators": ["203.0.113.77"]},
}


def test_r3_incident_reaches_dss_in_app_by_email_and_in_teams(app, client, mail_settings, receivers, as_admin):
    teams = receivers()
    created = as_admin.post(
        "/api/v1/channels",
        json={"unit": "DSS", "kind": "teams", "url": teams.url, "events": ["incident.routed"]},
    )
    assert created.status_code == 201, created.json
    _, oict_token = person("oict_responder", "OICT", "oict-lead", "oict-lead@example.org")
    dss = [person("dss_officer", "DSS", f"dss-{i}", f"dss-{i}@example.org") for i in range(2)]
    outsider, _ = person("dss_officer", "DSS", "dss-gone", "dss-gone@example.org")
    from incident_hub.services.admin.users import set_active

    set_active(outsider.username, False, actor="test")

    response = client.post("/api/v1/incidents", json=R3, headers={"Authorization": f"Bearer {oict_token}"})
    assert response.status_code == 201 and response.json["routing"]["rule"] == "R3"
    incident_id = response.json["id"]

    # In the app at once (written with the incident).
    for _user, token in dss:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/notifications/unread-count", headers=headers).json == {"count": 1}
        item = client.get("/api/v1/notifications?unread=true", headers=headers).json["items"][0]
        assert item["event"] == "incident.routed" and item["object_id"] == incident_id
        assert item["url"] == f"/incidents/{incident_id}" and item["title"] == R3["title"]
        assert item["data"]["relation"] == "partner"
    # Email and chat are marked on the notifications written with the incident (one INSERT, issue 18);
    # the outbox job's next run queues them: two DSS emails and one Teams card (the creator is not
    # told; the disabled user neither).
    relaying = select(func.count()).select_from(Notification).where(Notification.relay_pending.is_(True))
    assert db.session.execute(relaying).scalar_one() == 3
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0

    counts = deliver_tick()
    assert counts == {"delivered": 3, "retrying": 0, "failed": 0, "cancelled": 0}

    assert mail_settings.recipients == ["dss-0@example.org", "dss-1@example.org"]
    message = mail_settings.to("dss-0@example.org")[0]
    assert message["Subject"] == f"[incident_hub] Incident #{incident_id}: {R3['title']}"
    assert message["From"] == "incident_hub <hub@example.org>"
    assert message["List-Unsubscribe"] == "<https://hub.example.org/settings/notifications>"
    text, html = parts(message)
    link = f"https://hub.example.org/incidents/{incident_id}"
    assert link in text and f'href="{link}"' in html
    assert "partner" in text
    _no_detection(text + html + str(message))

    assert len(teams.received) == 1
    card: dict[str, Any] = teams.received[0]["body"]
    assert card["type"] == "message"
    attachment = card["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.5"
    assert content["actions"][0] == {"type": "Action.OpenUrl", "title": "Open in incident_hub", "url": link}
    assert R3["title"] in str(content)  # TLP:GREEN: the title may travel
    _no_detection(str(card))


def _no_detection(text: str) -> None:
    for marker in ("SENSOR-MARKER-7", "RULE-MARKER-9", "203.0.113.77"):
        assert marker not in text
