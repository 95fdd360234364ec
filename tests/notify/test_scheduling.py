"""Scheduled notifications (overdue, due soon, joint assessment due, hourly digest) and delivery by
two scheduler processes at once: every message leaves exactly once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Incident, Notification, OutboxMessage
from incident_hub.services.actions.escalation import escalate_overdue, remind_due_soon
from incident_hub.services.assessments.joint import remind_joint_due
from incident_hub.services.notify.digest import send_digests
from incident_hub.services.outbox import deliver_due
from tests.notify.conftest import parts, person
from tests.notify.test_messages import R1, _action, _create

SCRIPT = textwrap.dedent(
    """
    import sys
    from incident_hub import create_app
    from incident_hub.services.outbox import deliver_due
    from tests.conftest import make_settings
    app = create_app(make_settings(sys.argv[1], smtp_host="127.0.0.1", smtp_port=int(sys.argv[2]), smtp_starttls=False))
    with app.app_context():
        print(sum(deliver_due(limit=3)["delivered"] for _ in range(6)))
    """
)


def _events(user_id, object_id=None):
    q = select(Notification).where(Notification.user_id == user_id)
    if object_id is not None:
        q = q.where(Notification.object_type == "action", Notification.object_id == object_id)
    return [n.event for n in db.session.execute(q).scalars()]


def test_two_scheduler_processes_send_each_email_once(app, client, smtp_server):
    _, oict = person("oict_responder", "OICT", "oict-p", None)
    for i in range(6):
        person("oict_responder", "OICT", f"oict-p{i}", f"p{i}@example.org")
    _create(client, oict, "TLP:CLEAR", facts=R1)
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.commit()
    procs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, url, str(smtp_server.port)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180)[0].strip().splitlines()[-1] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(int(o) for o in outputs) == 6
    assert smtp_server.recipients == [f"p{i}@example.org" for i in range(6)]
    statuses = db.session.execute(select(OutboxMessage.status)).scalars().all()
    assert statuses == ["delivered"] * 6


def test_overdue_reaches_assignee_and_owner_unit_managers_once(app, client, mail_settings, as_admin):
    _, oict = person("oict_responder", "OICT", "oict-q", None)
    worker, _ = person("oict_responder", "OICT", "oict-worker", "worker@example.org")
    boss, _ = person("manager", "OICT", "oict-boss", "boss@example.org")
    other_boss, _ = person("manager", "DSS", "dss-boss", "dss-boss@example.org")
    incident_id = _create(client, oict, "TLP:AMBER", facts=R1)
    action_id = _action(incident_id, "OICT", due_at=datetime.now(UTC) + timedelta(hours=2))
    as_admin.patch(f"/api/v1/actions/{action_id}", json={"assignee": "oict-worker"})

    assert remind_due_soon() >= 1 and remind_due_soon() == 0  # the playbook's actions are due soon too
    assert _events(worker.id, action_id) == ["action.assigned", "action.due_soon"]
    assert "action.due_soon" not in _events(boss.id, action_id)  # assigned: not the whole unit

    later = datetime.now(UTC) + timedelta(hours=3)
    assert escalate_overdue(later) >= 1 and escalate_overdue(later) == 0
    assert _events(worker.id, action_id)[-1] == "action.overdue"
    assert _events(boss.id, action_id) == ["action.overdue"] and _events(other_boss.id) == []
    deliver_due(later)
    link = f"https://hub.example.org/actions/{action_id}"
    overdue_mail = [m for m in mail_settings.to("boss@example.org") if link in parts(m)[0]]
    assert overdue_mail and "An action is overdue." in parts(overdue_mail[0])[0]
    assert f"Action #{action_id}" in parts(overdue_mail[0])[0]
    assert "Rotate badge keys" not in str(parts(overdue_mail[0]))  # TLP:AMBER: no titles outside


def test_joint_assessment_due_tells_both_units_managers_once_per_stage(app, client, mail_settings):
    _, oict = person("oict_responder", "OICT", "oict-r", None)
    oict_boss, _ = person("manager", "OICT", "boss-oict", None)
    dss_boss, _ = person("manager", "DSS", "boss-dss", None)
    officer, _ = person("dss_officer", "DSS", "dss-r", None)
    body = {
        "title": "Hybrid",
        "vectors": ["digital"],
        "effects": ["programme_disruption", "personnel_harm_risk"],
        "deliberate": True,
        "tlp": "TLP:AMBER",
    }
    response = client.post("/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {oict}"})
    due = db.session.get(Incident, response.json["id"]).joint_assessment_due_at
    db.session.rollback()
    assert remind_joint_due(due - timedelta(days=2)) == 0
    assert remind_joint_due(due - timedelta(hours=3)) == 1 and remind_joint_due(due - timedelta(hours=2)) == 0
    assert remind_joint_due(due + timedelta(minutes=1)) == 1 and remind_joint_due(due + timedelta(hours=1)) == 0
    for boss in (oict_boss, dss_boss):
        assert _events(boss.id).count("assessment.joint_due") == 2
    assert "assessment.joint_due" not in _events(officer.id)


def test_hourly_digest_gathers_low_priority_mail(app, client, mail_settings, as_manager):
    _, oict = person("oict_responder", "OICT", "oict-s", None)
    reader, token = person("oict_responder", "OICT", "oict-digest", "digest@example.org")
    headers = {"Authorization": f"Bearer {token}"}
    prefs = {"events": {"incident.status_changed": ["in_app", "email"]}, "digest": "hourly"}
    assert client.put("/api/v1/me/notification-preferences", json=prefs, headers=headers).status_code == 200
    ids = [_create(client, oict, "TLP:CLEAR", facts=R1, title=f"Digest item {i}") for i in range(2)]
    for incident_id in ids:
        client.post(f"/api/v1/incidents/{incident_id}/followers/me", headers=headers)
        as_manager.post(f"/api/v1/incidents/{incident_id}/transitions", json={"to": "acknowledged"})
    deliver_due()
    urgent = mail_settings.to("digest@example.org")
    assert len(urgent) == 2 and all("routed" in parts(m)[0] for m in urgent)  # urgent mail never waits
    assert send_digests() == 1 and send_digests() == 0
    deliver_due()
    digests = [m for m in mail_settings.to("digest@example.org") if "last hour" in m["Subject"]]
    assert len(digests) == 1 and "2 notifications" in digests[0]["Subject"]
    text, _html = parts(digests[0])
    assert "Digest item 0" in text and "Digest item 1" in text and "acknowledged" in text
    assert reader.id
