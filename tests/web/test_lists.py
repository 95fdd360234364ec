"""Lists that scale (issue 12): the actions board and list (filters, paging, sort, bulk actions with a
result per row), column headers that sort, paging past the end, and pages that stay small whatever
the data. Both databases (the `app` fixture is parametrised)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, insert, select

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry
from tests.factories import PHYSICAL_ONLY_FACTS, make_incident, make_user
from tests.web.data import drop_playbook_actions, make_action

MAX_PAGE_BYTES = 300_000


def _status(action_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Action, action_id).status


def _assignee(action_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(Action, action_id).assignee_id


def _many_actions(incident_id: int, n: int, owner: str = "OICT") -> None:
    """`n` actions in one INSERT (volume for size and paging, not behaviour under test)."""
    now = utcnow()
    rows = [
        {
            "title": f"Bulk step {i:04d} " + "x" * 120,
            "description": "",
            "phase": "mitigation",
            "owner_unit": owner,
            "status": ("open", "in_progress", "blocked", "done", "cancelled")[i % 5],
            "due_at": now + timedelta(hours=i - n // 2),
            "evidence": "",
            "blocked_reason": "",
            "incident_id": incident_id,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    db.session.execute(insert(Action), rows)
    db.session.commit()


def test_bulk_start_reports_a_result_per_row(oict):
    incident = make_incident()  # cyber only: OICT leads
    drop_playbook_actions()
    a1 = make_action(incident.id, "OICT", title="Rotate keys")
    a2 = make_action(incident.id, "OICT", title="Patch hosts")
    cancel = {f"a{a2.id}-to": "cancelled", f"a{a2.id}-reason": "Hosts retired"}
    oict.post(f"/actions/{a2.id}/transition", cancel, csrf_page="/actions")
    before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    data = {"ids": [str(a1.id), str(a2.id), "999999"], "op": "start", "back": "/actions?view=list"}
    response = oict.post("/actions/bulk", data, csrf_page="/actions?view=list")
    assert response.status_code == 302 and response.headers["Location"].endswith("/actions?view=list#bulk-results")
    assert _status(a1.id) == "in_progress" and _status(a2.id) == "cancelled"
    page = oict.text("/actions?view=list")
    assert "1 changed, 2 refused" in page
    assert re.search(rf"Refused for action {a2.id}: [^<]*cannot go from", page)
    assert "No action 999999" in page
    assert "1 changed" not in oict.text("/actions?view=list")  # the result is said once
    after = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert after == before + 1  # one audited change: each row its own unit of work


def test_bulk_assign_applies_m1_per_row(manager):
    """A manager may work every action; M1 still refuses cyber work to a DSS officer, row by row."""
    incident = make_incident(hybrid=True)  # R3: OICT leads, DSS partner
    drop_playbook_actions()
    make_user("dss_officer", "DSS", "dss-guard")
    cyber = make_action(incident.id, "OICT", title="Reimage controllers", mandate="cyber")
    doors = make_action(incident.id, "DSS", title="Guard the doors", mandate="physical_security")
    data = {
        "ids": [str(cyber.id), str(doors.id)],
        "op": "assign",
        "assignee": "dss-guard",
        "back": "/actions?view=list",
    }
    assert manager.post("/actions/bulk", data, csrf_page="/actions?view=list").status_code == 302
    page = manager.text("/actions?view=list")
    assert "1 changed, 1 refused" in page and f"Refused for action {cyber.id}" in page
    assert _assignee(cyber.id) is None and _assignee(doors.id) is not None


def test_bulk_cancel_needs_a_reason_and_nothing_changes_without(oict):
    incident = make_incident()
    drop_playbook_actions()
    action = make_action(incident.id, "OICT")
    data = {"ids": [str(action.id)], "op": "cancel", "reason": " ", "back": "/actions?view=list"}
    assert oict.post("/actions/bulk", data, csrf_page="/actions?view=list").status_code == 302
    assert "Say why the actions are cancelled" in oict.text("/actions?view=list")
    assert _status(action.id) == "open"
    data["reason"] = "Duplicate of the DSS task"
    assert oict.post("/actions/bulk", data, csrf_page="/actions?view=list").status_code == 302
    assert _status(action.id) == "cancelled"
    assert "Duplicate of the DSS task" in oict.text(f"/incidents/{incident.id}")  # on the timeline
    nothing = {"op": "start", "back": "/actions?view=list"}
    assert oict.post("/actions/bulk", nothing, csrf_page="/actions?view=list").status_code == 302
    assert "Select at least one action" in oict.text("/actions?view=list")


def test_bulk_back_never_leaves_the_site(oict):
    data = {"op": "start", "back": "//evil.example/x"}
    response = oict.post("/actions/bulk", data, csrf_page="/actions?view=list")
    assert response.headers["Location"].startswith("/actions?view=list")


def test_action_filters_sort_and_paging(oict, dss):
    incident = make_incident()
    physical = make_incident(**PHYSICAL_ONLY_FACTS)
    drop_playbook_actions()
    _many_actions(incident.id, 60)
    late = make_action(physical.id, "DSS", utcnow() - timedelta(days=3), "Fix the fence")
    page = oict.text("/actions?view=list")
    assert "61 actions" in page and "Page 1 of 2" in page
    last = oict.text("/actions?view=list&page=99")  # past the end: the last page
    assert "Page 2 of 2" in last and "Bulk step" in last
    assert "1 action" in oict.text("/actions?view=list&owner_unit=DSS")
    overdue = oict.text("/actions?view=list&overdue=y&owner_unit=DSS")
    assert "Fix the fence" in overdue and "Bulk step" not in overdue
    assert "Fix the fence" in oict.text(f"/actions?view=list&incident_id={physical.id}")
    due = (utcnow() - timedelta(days=1)).date().isoformat()
    assert "Fix the fence" in oict.text(f"/actions?view=list&due_before={due}")
    titles = re.findall(r"Bulk step (\d{4})", oict.text("/actions?view=list&sort=-title"))
    assert titles[0] == "0059" and titles == sorted(titles, reverse=True)
    # Column headers sort; the current one says how (aria-sort).
    sorted_page = oict.text("/actions?view=list&sort=title")
    assert 'aria-sort="ascending"' in sorted_page and "sort=-title" in sorted_page
    # The board filters too, and each column links to the rest.
    board = oict.text("/actions?status=open")
    assert 'id="col-open"' in board and 'id="col-done"' not in board
    assert late.id and "Fix the fence" in dss.text("/actions?owner_unit=DSS")
    # A bad filter value is ignored, never a 500.
    assert oict.get("/actions?view=list&incident_id=x&due_before=nope&sort=zzz&page=-3").status_code == 200


def test_pages_stay_small_whatever_the_data(oict):
    incident = make_incident()
    drop_playbook_actions()
    _many_actions(incident.id, 1500)
    sizes = {}
    for path in ("/actions", "/actions?view=list", "/actions?mine=1", "/", f"/incidents/{incident.id}", "/incidents"):
        sizes[path] = len(oict.get(path).get_data())
        assert sizes[path] < MAX_PAGE_BYTES, (path, sizes[path])
    assert "see all 300 as a list" in oict.text("/actions")  # each column shows the soonest due
    print("largest page sizes (bytes):", sizes)  # the figure for the closing note


def test_incident_list_headers_sort_and_last_page(oict):
    for i in range(30):
        make_incident(title=f"Case {i:02d}")
    page = oict.text("/incidents?sort=title")
    assert 'aria-sort="ascending"' in page and "sort=-title" in page
    assert page.index("Case 00") < page.index("Case 01")
    past = oict.text("/incidents?page=50")
    assert "Page 2 of 2" in past and "Case 00" in past
    assert "Created (newest first)" in oict.text("/incidents")  # sort options are words, not codes


def _next_link(page: str) -> str | None:
    found = re.search(r'<a class="button secondary" href="([^"]+)" rel="next">', page)
    return html.unescape(found.group(1)) if found else None


def test_a_long_action_list_reads_about_and_pages_on_by_cursor(threshold, oict):
    """Past LIST_EXACT_TOTAL_MAX (3 here) the list says "about N" and offers no "Last" page; its
    "Next" carries the cursor of a deep page, and following it shows every action once."""
    incident = make_incident()
    drop_playbook_actions()
    _many_actions(incident.id, 120)
    first = oict.text("/actions?view=list")
    about = re.search(r'id="action-total" role="status">about ([\d,]+) actions<', first)
    assert about and int(about.group(1).replace(",", "")) > threshold  # PostgreSQL's planner estimate, or SQLite's
    assert "Page 1 of about" in first and "Last »" not in first
    seen, page, link = [], first, _next_link(first)
    while True:
        assert len(re.findall(r'id="row-(\d+)"', page)) <= 50  # never more than a page
        seen += [int(i) for i in re.findall(r'id="row-(\d+)"', page)]
        if link is None:
            break
        assert "after=" in link and "page=" in link
        page = oict.text(link)
        link = _next_link(page)
    assert len(seen) == len(set(seen)) == 120 and "Page 3 of about" in page
    # A cursor that is not one of this list lands on its first page, and says so.
    stale = oict.text("/actions?view=list&sort=title&after=" + _after_of(first))
    assert 'id="stale-page"' in stale and "Page 1 of about" in stale
    # The board counts each column the same way.
    board = oict.text("/actions")
    assert re.search(r'<span class="count">about \d+</span>', board)
    assert re.search(r"About [\d,]+ more — see them all as a list", board)


def _after_of(page: str) -> str:
    link = _next_link(page)
    assert link is not None
    return link.split("after=", 1)[1].split("&", 1)[0]
