"""Issue 11 part 5: a unit works its own actions. Transitions, evidence, assignee, due date and owner
are changed only by members of the action's owner unit and by managers, in both directions
(OICT on DSS's actions, DSS on OICT's), through the API and the board's forms; seeing it is not working it."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, TimelineEvent
from tests.api.incident_helpers import create, error
from tests.web.support import login


def _actions(incident_id: int, owner: str) -> list[Action]:
    db.session.expire_all()
    q = select(Action).where(Action.incident_id == incident_id, Action.owner_unit == owner).order_by(Action.id)
    return list(db.session.execute(q).scalars())


def _writes() -> tuple[int, int]:
    db.session.rollback()
    audit, timeline = (
        db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in (AuditEntry, TimelineEvent)
    )
    return audit, timeline


def test_oict_may_see_but_not_work_dss_actions_and_dss_works_them(as_oict, as_dss):
    incident = create(as_oict, "R3")  # OICT leads, DSS partner: the hybrid playbook gives both work
    dss_action = _actions(incident["id"], "DSS")[0]
    url = f"/api/v1/actions/{dss_action.id}"
    assert as_oict.get(url).status_code == 200
    before = _writes()
    for refused in (
        as_oict.post(f"{url}/transitions", json={"to": "in_progress"}),
        as_oict.patch(url, json={"assignee": "oict1"}),
        as_oict.patch(url, json={"due_at": "2030-01-01T00:00:00Z"}),
        as_oict.patch(url, json={"title": "Taken over by OICT"}),
    ):
        payload = error(refused, 403, "forbidden")
        assert payload["details"] == {"owner_unit": "DSS"} and "owner unit DSS" in payload["message"]
    assert _writes() == before and _actions(incident["id"], "DSS")[0].status == "open"
    assert as_dss.post(f"{url}/transitions", json={"to": "in_progress"}).status_code == 200
    done = as_dss.post(f"{url}/transitions", json={"to": "done", "evidence": "Guards posted at gate 3"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert as_dss.patch(url, json={"due_at": "2030-01-01T00:00:00Z"}).status_code == 200


def test_dss_may_see_but_not_work_oict_actions_and_oict_works_them(as_oict, as_dss):
    incident = create(as_oict, "R3")
    oict_action = _actions(incident["id"], "OICT")[0]
    url = f"/api/v1/actions/{oict_action.id}"
    assert as_dss.get(url).status_code == 200
    before = _writes()
    error(as_dss.post(f"{url}/transitions", json={"to": "in_progress"}), 403, "forbidden")
    error(as_dss.patch(url, json={"due_at": "2030-01-01T00:00:00Z"}), 403, "forbidden")
    assert _writes() == before
    assert as_oict.post(f"{url}/transitions", json={"to": "in_progress"}).status_code == 200
    assert as_oict.patch(url, json={"assignee": "oict1"}).get_json()["assignee"] == "oict1"


def test_managers_work_every_units_actions(as_oict, as_manager):
    incident = create(as_oict, "R3")
    for owner in ("OICT", "DSS"):
        action = _actions(incident["id"], owner)[0]
        r = as_manager.post(f"/api/v1/actions/{action.id}/transitions", json={"to": "in_progress"})
        assert r.status_code == 200, (owner, r.get_json())


def test_the_board_offers_and_accepts_work_only_on_the_units_own_actions(app, as_oict):
    incident = create(as_oict, "R3")
    oict_action, dss_action = _actions(incident["id"], "OICT")[0], _actions(incident["id"], "DSS")[0]
    oict, dss = login(app, "oict_responder", "OICT", "board-oict"), login(app, "dss_officer", "DSS", "board-dss")
    for browser, own, other in ((oict, oict_action, dss_action), (dss, dss_action, oict_action)):
        board = browser.text("/actions")
        assert f'id="action-{own.id}"' in board and f'id="action-{other.id}"' in board  # both seen
        assert f'id="action-{own.id}-in_progress"' in board
        assert f'id="action-{other.id}-in_progress"' not in board  # no form for the other unit's work
        before = _writes()
        data = {f"a{other.id}-to": "in_progress"}
        assert browser.post(f"/actions/{other.id}/transition", data, csrf_page="/actions").status_code == 403
        assert _writes() == before
        data = {f"a{own.id}-to": "in_progress"}
        assert browser.post(f"/actions/{own.id}/transition", data, csrf_page="/actions").status_code == 302
    db.session.expire_all()
    assert (
        db.session.get(Action, oict_action.id).status == db.session.get(Action, dss_action.id).status == "in_progress"
    )
