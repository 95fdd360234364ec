"""Assigning an action, moving its due date with a reason, commenting (API.md "Actions")."""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry
from incident_hub.services.admin.users import set_active
from tests.api.incident_helpers import counts
from tests.factories import make_incident, make_user
from tests.web.data import make_action


def _action(owner="OICT", mandate="cyber"):
    incident = make_incident(hybrid=True)
    return make_action(incident.id, owner, mandate=mandate)


def _audit(action_id, what):
    db.session.rollback()
    q = select(AuditEntry).where(AuditEntry.object_id == str(action_id), AuditEntry.action == what)
    return list(db.session.execute(q.order_by(AuditEntry.seq)).scalars())


def test_assignee_is_an_active_member_of_the_owner_unit(as_oict, as_dss):
    action = _action()
    make_user("oict_responder", "OICT", "oict2")
    make_user("oict_responder", "OICT", "oict-gone")
    url = f"/api/v1/actions/{action.id}"
    set_active("oict-gone", False, actor="test")
    before = counts()
    for name, field_code in (
        ("dss1", "mandate_violation"),
        ("oict-gone", "validation_error"),
        ("ghost", "validation_error"),
    ):
        answer = as_oict.patch(url, json={"assignee": name})
        assert answer.status_code == 422 and answer.get_json()["error"]["code"] == field_code, name
    assert counts() == before
    answer = as_oict.patch(url, json={"assignee": "oict2"})
    assert answer.status_code == 200 and answer.get_json()["assignee"] == "oict2"
    [entry] = _audit(action.id, "action.assign")
    assert entry.before["assignee_id"] is None and entry.after["assignee_id"] is not None
    # DSS may see (partner) but not work an OICT action.
    assert as_dss.patch(url, json={"assignee": "dss1"}).status_code == 403


def test_physical_action_is_given_to_dss_people_only(as_dss, as_oict):
    action = _action("DSS", None)
    url = f"/api/v1/actions/{action.id}"
    answer = as_dss.patch(url, json={"assignee": "oict1"})
    assert answer.status_code == 422 and "assignee" in answer.get_json()["error"]["details"]["fields"]
    assert as_dss.patch(url, json={"assignee": "dss1"}).get_json()["assignee"] == "dss1"


def test_due_date_change_needs_a_reason_and_is_audited(as_oict):
    action = _action()
    url = f"/api/v1/actions/{action.id}"
    before = counts()
    answer = as_oict.patch(url, json={"due_at": "2031-05-01T12:00:00Z"})
    assert answer.status_code == 422 and "reason" in answer.get_json()["error"]["details"]["fields"]
    assert counts() == before
    answer = as_oict.patch(url, json={"due_at": "2031-05-01T12:00:00Z", "reason": "Vendor window moved"})
    assert answer.status_code == 200 and answer.get_json()["due_at"].startswith("2031-05-01T12:00:00")
    [entry] = _audit(action.id, "action.due_date")
    assert entry.after["reason"] == "Vendor window moved" and entry.before["due_at"] is None


def test_comments_by_anyone_who_may_see_the_action(as_oict, as_dss):
    action = _action()
    url = f"/api/v1/actions/{action.id}/comments"
    answer = as_dss.post(url, json={"body": "Guards at the server room door."})
    assert answer.status_code == 201 and answer.headers["Location"]
    assert as_oict.post(url, json={"body": " "}).status_code == 422
    items = as_oict.get(url).get_json()["items"]
    assert [(c["author"], c["body"]) for c in items] == [("dss1", "Guards at the server room door.")]
    cyber_only = make_action(make_incident().id, "OICT", mandate="cyber")
    assert as_dss.get(f"/api/v1/actions/{cyber_only.id}/comments").status_code == 404
