"""Resolving, closing (with the open work listed, a manager's override) and reopening through the
incident page (both databases)."""

from __future__ import annotations

from incident_hub.extensions import db
from incident_hub.models import Incident
from incident_hub.services.incidents.commands import transition_incident
from tests.factories import SYSTEM, make_incident
from tests.web.data import drop_playbook_actions, make_action


def _status(incident_id):
    db.session.expire_all()
    return db.session.get(Incident, incident_id)


def _acknowledged():
    incident = make_incident(title="Payroll server encrypted", severity="medium")
    drop_playbook_actions()
    transition_incident(SYSTEM, incident.id, "acknowledged")
    return incident.id


def test_resolve_asks_for_a_note(oict):
    iid = _acknowledged()
    page = f"/incidents/{iid}"
    assert 'id="resolve-note"' in oict.text(page)
    refused = oict.post(f"{page}/transition", {"to": "resolved", "note": ""}, csrf_page=page, follow_redirects=True)
    assert "resolution note is required" in refused.get_data(as_text=True)
    assert _status(iid).status == "acknowledged"
    oict.post(f"{page}/transition", {"to": "resolved", "note": "Restored from backup."}, csrf_page=page)
    assert _status(iid).resolution_note == "Restored from backup."
    assert 'id="resolution-note">Restored from backup.<' in oict.text(page)


def test_close_lists_open_work_and_a_manager_overrides(oict, manager):
    iid = _acknowledged()
    action = make_action(iid, "OICT", title="Rotate service accounts")
    transition_incident(SYSTEM, iid, "resolved", "Restored.")
    page = f"/incidents/{iid}"
    html = oict.text(page)
    assert 'id="open-work"' in html and f'href="/actions/{action.id}"' in html and 'id="close-anyway"' not in html
    refused = oict.post(f"{page}/transition", {"to": "closed"}, csrf_page=page, follow_redirects=True)
    assert "cannot be closed yet" in refused.get_data(as_text=True) and _status(iid).status == "resolved"
    assert 'id="close-anyway"' in manager.text(page)
    data = {"to": "closed", "override_reason": "Accounts handed to the host country."}
    assert manager.post(f"{page}/transition", data, csrf_page=page).status_code == 302
    assert _status(iid).status == "closed"
    html = oict.text(page)
    assert 'id="closure-override">Accounts handed to the host country.<' in html
    assert 'id="edit-facts"' not in html and 'id="reopen"' not in html
    assert oict.get(f"{page}/edit").status_code == 302


def test_manager_reopens_with_a_reason(oict, manager):
    iid = _acknowledged()
    transition_incident(SYSTEM, iid, "resolved", "Restored.")
    transition_incident(SYSTEM, iid, "closed")
    page = f"/incidents/{iid}"
    assert oict.post(f"{page}/transition", {"to": "acknowledged", "reason": "x"}, csrf_page=page).status_code == 302
    assert _status(iid).status == "closed"  # refused: responders do not reopen
    refused = manager.post(f"{page}/transition", {"to": "acknowledged"}, csrf_page=page, follow_redirects=True)
    assert "say why the incident is reopened" in refused.get_data(as_text=True)
    manager.post(f"{page}/transition", {"to": "acknowledged", "reason": "It came back."}, csrf_page=page)
    assert _status(iid).status == "acknowledged"
    assert "Reopened: It came back." in oict.text(page)
