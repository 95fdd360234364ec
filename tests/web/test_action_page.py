"""The action page (/actions/<id>): what it shows, and assigning, moving the due date with a
reason, status changes and comments through its forms (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry
from incident_hub.services.admin.users import set_active
from tests.factories import make_incident, make_user
from tests.web.data import make_action


def _action(owner="OICT", mandate="cyber", **kw):
    incident = make_incident(hybrid=True, title="Badge system compromise")
    return make_action(incident.id, owner, mandate=mandate, **kw)


def test_page_shows_the_action_and_links_back(oict):
    action = _action(due_at=utcnow() - timedelta(hours=1), title="Reset badge controllers")
    html = oict.text(f"/actions/{action.id}")
    assert "Reset badge controllers" in html and 'id="action-overdue"' in html
    assert f'href="/incidents/{action.incident_id}"' in html
    incident_page = oict.text(f"/incidents/{action.incident_id}")
    assert f'href="/actions/{action.id}"' in incident_page
    assert f'href="/actions/{action.id}"' in oict.text("/actions")


def test_picker_offers_only_the_owner_units_active_people(oict, dss):
    action = _action()
    make_user("oict_responder", "OICT", "oict-two")
    make_user("oict_responder", "OICT", "oict-off")
    set_active("oict-off", False, actor="test")
    html = oict.text(f"/actions/{action.id}")
    assert 'value="oict-two"' in html and 'value="web-oict"' in html
    assert 'value="oict-off"' not in html and 'value="web-dss"' not in html
    # A DSS officer sees the action (partner of a hybrid incident) but gets no forms to work it.
    assert 'id="assign-form"' not in dss.text(f"/actions/{action.id}")


def test_assign_and_due_date_with_reason(oict):
    action = _action()
    make_user("oict_responder", "OICT", "oict-two")
    answer = oict.post(f"/actions/{action.id}/assign", {"assign-assignee": "oict-two"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/actions/{action.id}#assignment")
    refused = oict.refused(f"/actions/{action.id}/assign", {"assign-assignee": "web-dss"})
    assert "Not a valid choice" in refused
    missing = oict.refused(f"/actions/{action.id}/due-date", {"due-due_at": "2031-01-02T03:04", "due-reason": ""})
    assert 'id="due-reason-error"' in missing and 'value="2031-01-02T03:04"' in missing  # as typed
    ok = oict.post(f"/actions/{action.id}/due-date", {"due-due_at": "2031-01-02T03:04", "due-reason": "Vendor slot"})
    assert ok.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Action, action.id)
    assert stored.due_at.isoformat().startswith("2031-01-02T03:04") and stored.assignee_id is not None
    html = oict.text(f"/actions/{action.id}")
    assert "Assigned to oict-two." in html and "Vendor slot" in html
    whats = db.session.execute(
        select(AuditEntry.action).where(AuditEntry.object_type == "action", AuditEntry.object_id == str(action.id))
    ).scalars()
    assert {"action.assign", "action.due_date"} <= set(whats)


def test_status_and_comment_forms(oict, dss):
    action = _action()
    assert oict.post(f"/actions/{action.id}/status", {"to-in_progress-to": "in_progress"}).status_code == 302
    refused = oict.refused(f"/actions/{action.id}/status", {"to-blocked-to": "blocked", "to-blocked-reason": ""})
    assert "say why the action is blocked" in refused
    oict.post(f"/actions/{action.id}/status", {"to-blocked-to": "blocked", "to-blocked-reason": "Vendor away"})
    assert "Vendor away" in oict.text(f"/actions/{action.id}")
    assert dss.post(f"/actions/{action.id}/status", {"to-in_progress-to": "in_progress"}).status_code == 403
    assert dss.post(f"/actions/{action.id}/comments", {"comment-body": "Guards posted."}).status_code == 302
    assert "Guards posted." in oict.text(f"/actions/{action.id}")
