"""Pages: the bell on every page (static script, no inline), /notifications, preferences, the
incident page's owner and follow forms, /admin/channels with its "send test", and My work's order."""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import ChatChannel, IncidentFollower, NotificationPreference
from tests.factories import make_incident
from tests.notify.test_messages import _action
from tests.web.support import login


def test_bell_counts_and_notifications_page_marks_read(app):
    oict = login(app, "oict_responder", "OICT", "page-oict")
    other = login(app, "oict_responder", "OICT", "page-other")
    incident = make_incident(title="Router rebooted")
    home = oict.text("/")
    assert 'id="bell"' in home and 'id="bell-count"' in home and ">1</span>" in home
    assert "js/notifications.js" in home and "<script>" not in home
    page = oict.text("/notifications")
    assert "Router rebooted" in page and f'href="/incidents/{incident.id}"' in page
    assert "An incident is routed to my unit" in page  # a label, not the code
    csrf = oict.csrf("/notifications")
    response = oict.post("/notifications/read-all", {"csrf_token": csrf}, csrf_page=None)
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    assert ">0</span>" in oict.text("/")
    assert other.post("/notifications/read-all", {}, csrf_page=None).status_code == 400  # no CSRF token


def test_preferences_page_saves_email_choices(app):
    dss = login(app, "dss_officer", "DSS", "page-dss")
    page = dss.text("/settings/notifications")
    assert 'name="incident.routed:email"' in page and "checked" in page
    response = dss.post(
        "/settings/notifications",
        {"incident.status_changed:email": "on", "digest": "hourly"},
        csrf_page="/settings/notifications",
    )
    assert response.status_code == 302
    row = db.session.get(NotificationPreference, dss.user.id)
    assert row.digest == "hourly" and row.events["incident.status_changed"] == ["in_app", "email"]
    assert row.events["incident.routed"] == ["in_app"]  # unticked: in the app only
    bad = dss.refused("/settings/notifications", {"digest": "weekly"}, csrf_page="/settings/notifications")
    assert 'class="flash error"' in bad
    assert db.session.get(NotificationPreference, dss.user.id).digest == "hourly"  # nothing changed


def test_incident_page_sets_owner_and_follows(app):
    manager = login(app, "manager", None, "page-manager")
    login(app, "oict_responder", "OICT", "page-commander")
    incident = make_incident(title="Owner test")
    page = manager.text(f"/incidents/{incident.id}")
    assert 'id="incident-people"' in page and '<option value="page-commander">' in page
    response = manager.post(f"/incidents/{incident.id}/owner", {"owner": "page-commander"})
    assert response.status_code == 302
    assert 'id="incident-owner">page-commander<' in manager.text(f"/incidents/{incident.id}")
    manager.post(f"/incidents/{incident.id}/follow", {"follow": "1"})
    rows = db.session.execute(select(IncidentFollower.user_id).where(IncidentFollower.incident_id == incident.id))
    assert manager.user.id in set(rows.scalars())
    assert ">Unfollow<" in manager.text(f"/incidents/{incident.id}")


def test_dss_cannot_follow_an_incident_it_may_not_see(app):
    dss = login(app, "dss_officer", "DSS", "page-dss2")
    incident = make_incident()  # R1: OICT only
    assert dss.post(f"/incidents/{incident.id}/follow", {"follow": "1"}).status_code == 404


def test_admin_channels_page_adds_tests_and_removes(app, receivers):
    admin = login(app, "admin", None, "page-admin")
    assert login(app, "oict_responder", "OICT", "page-oict3").get("/admin/channels").status_code == 403
    teams = receivers()
    page = admin.text("/admin/channels")
    assert "Failed deliveries (0)" in page
    bad = admin.refused(
        "/admin/channels",
        {"unit": "DSS", "kind": "teams", "url": "nope", "events": ["action.assigned"]},
        csrf_page="/admin/channels",
    )
    assert 'value="DSS" selected' in bad and 'value="action.assigned" checked' in bad  # as chosen
    assert "nope" not in bad.split('id="new-channel"')[1]  # a webhook URL is a credential: not kept
    data = {"unit": "DSS", "kind": "teams", "url": teams.url, "events": ["incident.routed"]}
    assert admin.post("/admin/channels", data, csrf_page="/admin/channels").status_code == 302
    channel = db.session.execute(select(ChatChannel)).scalar_one()
    listed = admin.text("/admin/channels")
    assert "Microsoft Teams" in listed and teams.url not in listed  # the URL is a credential
    assert admin.post(f"/admin/channels/{channel.id}/test", csrf_page="/admin/channels").status_code == 302
    assert "Test message delivered (HTTP 202)" in admin.text("/admin/channels")
    assert teams.received[0]["body"]["attachments"][0]["content"]["version"] == "1.5"
    assert admin.post(f"/admin/channels/{channel.id}/delete", csrf_page="/admin/channels").status_code == 302
    assert db.session.execute(select(ChatChannel)).first() is None


def test_my_work_lists_assigned_first_then_unit_then_followed(app, as_manager):
    oict = login(app, "oict_responder", "OICT", "page-worker")
    mine = make_incident(title="Mine incident")
    action_id = _action(mine.id, "OICT")
    as_manager.patch(f"/api/v1/actions/{action_id}", json={"assignee": "page-worker"})
    dss = login(app, "dss_officer", "DSS", "page-dss3")
    shared = make_incident(hybrid=True, title="Shared hybrid")
    dss.post(f"/incidents/{shared.id}/follow", {"follow": "1"})
    home = oict.text("/")
    assigned, unit, followed = (
        home.index('id="my-assigned"'),
        home.index('id="my-incidents"'),
        home.index('id="my-followed"'),
    )
    assert assigned < unit < followed
    assert "Rotate badge keys" in home[assigned:unit]
    dss_home = dss.text("/")
    assert "Shared hybrid" in dss_home and "Mine incident" not in dss_home
