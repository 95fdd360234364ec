"""Why an action was cancelled (issue 12): the pages ask for a reason — on the board, on the action's
page and in bulk — and store it on the action and in its audit entry; the action's page shows it.
Refused without one, nothing changes."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry
from tests.factories import make_incident
from tests.web.data import drop_playbook_actions, make_action


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _action(action_id: int) -> Action:
    db.session.expire_all()
    return db.session.get(Action, action_id)


def _audited_reason(action_id: int) -> str:
    db.session.expire_all()
    entry = (
        db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.object_type == "action", AuditEntry.object_id == str(action_id))
            .order_by(AuditEntry.seq.desc())
        )
        .scalars()
        .first()
    )
    assert entry.action == "action.transition" and entry.after["status"] == "cancelled"
    return entry.after["cancel_reason"]


def _two_actions() -> tuple[int, int, int]:
    incident = make_incident()
    drop_playbook_actions()
    first = make_action(incident.id, "OICT", title="Rotate the VPN keys")
    second = make_action(incident.id, "OICT", title="Reimage the kiosk")
    return incident.id, first.id, second.id


def test_cancel_on_the_board_asks_why_and_the_action_page_shows_it(oict):
    _, aid, _ = _two_actions()
    before = _count(AuditEntry)
    refused = oict.post(f"/actions/{aid}/transition", {f"a{aid}-to": "cancelled"}, csrf_page="/actions")
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"#action-{aid}")
    board = oict.text("/actions")
    assert f'id="a{aid}-reason-cancelled-error"' in board and "Say why the action is cancelled" in board
    assert _action(aid).status == "open" and _count(AuditEntry) == before
    data = {f"a{aid}-to": "cancelled", f"a{aid}-reason": "Keys expire on their own on Friday"}
    assert oict.post(f"/actions/{aid}/transition", data, csrf_page="/actions").status_code == 302
    assert _action(aid).cancel_reason == "Keys expire on their own on Friday"
    assert _audited_reason(aid) == "Keys expire on their own on Friday"
    page = oict.text(f"/actions/{aid}")
    assert 'id="action-cancelled">Keys expire on their own on Friday<' in page


def test_cancel_on_the_action_page_asks_why(oict):
    _, aid, _ = _two_actions()
    page = f"/actions/{aid}"
    before = _count(AuditEntry)
    html = oict.refused(f"{page}/status", {"to-cancelled-to": "cancelled", "to-cancelled-reason": " "}, csrf_page=page)
    assert 'id="to-cancelled-reason-error"' in html and "Say why the action is cancelled" in html
    assert _action(aid).status == "open" and _count(AuditEntry) == before
    data = {"to-cancelled-to": "cancelled", "to-cancelled-reason": "Done by the vendor under ticket 7"}
    assert oict.post(f"{page}/status", data, csrf_page=page).status_code == 302
    assert _action(aid).cancel_reason == "Done by the vendor under ticket 7"
    assert _audited_reason(aid) == "Done by the vendor under ticket 7"
    shown = oict.text(page)
    assert 'id="action-cancelled">Done by the vendor under ticket 7<' in shown
    assert "Done by the vendor under ticket 7" in shown[shown.index('id="history"') :]  # in the status history too


def test_bulk_cancel_stores_the_reason_on_each_action_and_in_each_audit_entry(oict):
    _, first, second = _two_actions()
    data = {"ids": [str(first), str(second)], "op": "cancel", "reason": "Superseded by the DSS plan"}
    assert (
        oict.post("/actions/bulk", {**data, "back": "/actions?view=list"}, csrf_page="/actions?view=list").status_code
        == 302
    )
    for aid in (first, second):
        assert _action(aid).cancel_reason == "Superseded by the DSS plan"
        assert _audited_reason(aid) == "Superseded by the DSS plan"
        assert 'id="action-cancelled">Superseded by the DSS plan<' in oict.text(f"/actions/{aid}")
