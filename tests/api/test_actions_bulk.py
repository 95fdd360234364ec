"""`POST /api/v1/actions/bulk` (API.md "Actions"): one result per id; each its own change."""

from __future__ import annotations

from sqlalchemy import delete, select

from incident_hub.extensions import db
from incident_hub.models import Action
from tests.factories import make_incident, make_user
from tests.web.data import make_action


def test_bulk_transition_and_assign_answer_per_id(app, as_oict, as_manager):
    incident = make_incident(hybrid=True)
    db.session.execute(delete(Action).where(Action.playbook_id.is_not(None)))
    db.session.commit()
    make_user("dss_officer", "DSS", "api-guard")
    cyber = make_action(incident.id, "OICT", title="Reimage", mandate="cyber")
    doors = make_action(incident.id, "DSS", title="Doors", mandate="physical_security")
    body = {"ids": [cyber.id, doors.id, 424242], "op": "transition", "to": "in_progress"}
    answer = as_oict.post("/api/v1/actions/bulk", json=body)
    assert answer.status_code == 200
    results = {r["id"]: r for r in answer.get_json()["results"]}
    assert results[cyber.id]["status"] == "in_progress" and results[cyber.id]["error"] is None
    assert results[doors.id]["error"]["status"] == 403  # a unit works its own actions
    assert results[424242]["error"]["status"] == 404 and answer.get_json()["refused"] == 2
    assign = as_manager.post(
        "/api/v1/actions/bulk", json={"ids": [cyber.id, doors.id], "op": "assign", "assignee": "api-guard"}
    )
    results = {r["id"]: r for r in assign.get_json()["results"]}
    assert results[cyber.id]["error"]["code"] == "mandate_violation" and results[doors.id]["error"] is None
    db.session.expire_all()
    assignees = dict(db.session.execute(select(Action.id, Action.assignee_id)).tuples().all())
    assert assignees[cyber.id] is None and assignees[doors.id] is not None


def test_bulk_refuses_a_bad_request_whole(app, as_oict):
    for body in (
        {"ids": [], "op": "assign"},
        {"ids": [1], "op": "explode"},
        {"op": "assign"},
        {"ids": [1], "op": "transition"},
    ):
        answer = as_oict.post("/api/v1/actions/bulk", json=body)
        assert answer.status_code == 422, body
        assert answer.get_json()["error"]["code"] == "validation_error"
