"""Long action lists (issue 18, "big lists"; API.md "Lists" and "Actions"), as the incident list:
`total` exact up to LIST_EXACT_TOTAL_MAX and an estimate flagged `total_is_estimate` past it, keyset
paging with `?after=<cursor>` beside page numbers for every sort (no row missed or repeated, ties
on the sort key and actions without a due date included), status in lifecycle order, and a bad
cursor refused naming `after`. Both databases; a small threshold stands in for 10,000."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from incident_hub.clock import utcnow
from incident_hub.domain.lifecycle import ACTION_STATUSES
from incident_hub.extensions import db
from incident_hub.models import Action
from incident_hub.services.actions.queries import SORTABLE
from tests.api.incident_helpers import error
from tests.api.paging_helpers import by_pages, cursor, get_page, walk
from tests.factories import PHYSICAL_ONLY_FACTS, make_incident
from tests.web.data import drop_playbook_actions, make_action

URL = "/api/v1/actions"


def _get(client, **params):
    return get_page(client, URL, **params)


def _set(action_id: int, **values) -> None:
    db.session.execute(update(Action).where(Action.id == action_id).values(**values))
    db.session.commit()


def test_total_is_exact_up_to_the_threshold_and_an_estimate_past_it(threshold, as_oict, as_dss):
    cyber = make_incident()  # OICT only
    fence = make_incident(**PHYSICAL_ONLY_FACTS)  # DSS only
    drop_playbook_actions()
    late = utcnow() - timedelta(days=1)
    for i in range(6):
        make_action(cyber.id, "OICT", late if i < 2 else None, f"Patch host {i}")
    make_action(fence.id, "DSS", title="Mend the fence")
    every = _get(as_oict)
    assert every["total_is_estimate"] is True and every["total"] > threshold
    assert len(every["items"]) == 7 and every["next_cursor"] is None
    overdue = _get(as_oict, overdue="true")
    assert (overdue["total"], overdue["total_is_estimate"]) == (2, False)
    open_ = _get(as_oict, status="open", per_page=2)
    assert open_["total_is_estimate"] is True and open_["total"] >= threshold + 1 and len(open_["items"]) == 2
    assert open_["next_cursor"]
    dss = _get(as_dss)  # need to know still decides what is counted
    titles = [i["title"] for i in dss["items"]]
    assert (dss["total"], dss["total_is_estimate"], titles) == (1, False, ["Mend the fence"])


def test_total_is_exact_by_default(as_oict):
    incident = make_incident()
    drop_playbook_actions()
    for _ in range(4):
        make_action(incident.id)
    body = _get(as_oict)
    assert (body["total"], body["total_is_estimate"], body["page"], body["next_cursor"]) == (4, False, 1, None)


DUE = [datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 2, 8, tzinfo=UTC), None]
MADE = [datetime(2026, 11, 1, 8, tzinfo=UTC), datetime(2026, 11, 2, 8, tzinfo=UTC)]


@pytest.fixture
def ties(app):
    """15 actions sharing every sort key: 3 titles, 2 units, 5 statuses, 2 due dates and none,
    2 creation and update times."""
    cyber = make_incident()
    hybrid = make_incident(hybrid=True)
    drop_playbook_actions()
    made = []
    for i in range(15):
        title = ("Patch hosts", "Rotate keys", "Escort the vendor")[i % 3]
        action = make_action((cyber, hybrid)[i % 2].id, ("OICT", "DSS")[i % 2 if i < 10 else 0], DUE[i % 3], title)
        status = ACTION_STATUSES[(i // 3) % 5]
        _set(action.id, status=status, created_at=MADE[i % 2], updated_at=MADE[(i + 1) % 2])
        made.append(action.id)
    return made


SORTS = [s for name in SORTABLE for s in (name, f"-{name}")]


@pytest.mark.parametrize("sort", SORTS)
def test_keyset_paging_misses_and_repeats_nothing_with_ties(ties, as_oict, sort):
    everything = [i["id"] for i in _get(as_oict, sort=sort, per_page=500)["items"]]
    assert sorted(everything) == sorted(ties)
    assert walk(as_oict, URL, sort=sort, per_page=4) == everything
    assert walk(as_oict, URL, sort=sort, per_page=1) == everything
    assert by_pages(as_oict, URL, 4, sort=sort) == everything


@pytest.mark.parametrize("sort", ["due_at", "-due_at"])
def test_actions_without_a_due_date_come_last_either_way(ties, as_oict, sort):
    items = _get(as_oict, sort=sort, per_page=500)["items"]
    dues = [i["due_at"] for i in items]
    assert dues[-5:] == [None] * 5 and None not in dues[:-5]
    dated = dues[:-5]
    assert dated == sorted(dated, reverse=sort.startswith("-"))
    undated = [i["id"] for i in items[-5:]]
    assert undated == sorted(undated, reverse=sort.startswith("-"))  # then by number, the same way


def test_sort_by_status_follows_the_lifecycle(ties, as_oict):
    statuses = [i["status"] for i in _get(as_oict, sort="status", per_page=500)["items"]]
    assert statuses == sorted(statuses, key=ACTION_STATUSES.index)
    assert statuses[0] == "open" and statuses[-1] == "cancelled"
    backwards = [i["status"] for i in _get(as_oict, sort="-status", per_page=500)["items"]]
    assert backwards == statuses[::-1]


def test_keyset_paging_with_filters_and_for_dss(ties, as_oict, as_dss):
    for status in ("open", "done"):
        listed = [i["id"] for i in _get(as_oict, status=status, per_page=500)["items"]]
        assert walk(as_oict, URL, status=status, per_page=2) == listed and len(listed) == 3
    dss_owned = [i["id"] for i in _get(as_oict, owner_unit="DSS", sort="-created_at", per_page=500)["items"]]
    assert walk(as_oict, URL, owner_unit="DSS", sort="-created_at", per_page=2) == dss_owned
    seen = walk(as_dss, URL, per_page=1)  # DSS takes part in the hybrid incident only: need to know on every page
    assert len(seen) == 7 and set(seen) < set(ties)


def test_overdue_pages_through_open_work_only(app, as_oict):
    incident = make_incident()
    drop_playbook_actions()
    now = utcnow()
    late = [make_action(incident.id, due_at=now - timedelta(hours=h), title=f"Late {h}").id for h in range(1, 6)]
    finished = make_action(incident.id, due_at=now - timedelta(hours=9), title="Finished")
    _set(finished.id, status="done")
    make_action(incident.id, due_at=now + timedelta(days=1), title="Not yet")
    expected = late[::-1]  # soonest due first: the latest hour back first
    assert walk(as_oict, URL, overdue="true", per_page=2) == expected
    assert [i["title"] for i in _get(as_oict, overdue="false")["items"]] == ["Finished", "Not yet"]


@pytest.mark.parametrize(
    "after",
    [
        "not-a-cursor!",
        cursor("due_at", "tomorrow", 3),  # not a time
        cursor("due_at", "2026-11-01T08:00:00+00:00"),  # no id
        cursor("due_at", None, "3"),  # id of the wrong type
        cursor("title", "Patch", 3),  # made for another sort
        cursor("-due_at", "2026-11-01T08:00:00+00:00", 3),  # made for the other direction
        "A" * 2000,
    ],
)
def test_a_bad_cursor_is_a_422_naming_after(as_oict, after):
    incident = make_incident()
    make_action(incident.id)
    payload = error(as_oict.get(URL, query_string={"after": after}), 422, "validation_error")
    assert list(payload["details"]["fields"]) == ["after"]


def test_after_and_page_together_are_refused(as_oict):
    incident = make_incident()
    drop_playbook_actions()
    make_action(incident.id)
    make_action(incident.id)
    after = _get(as_oict, per_page=1)["next_cursor"]
    assert after
    payload = error(as_oict.get(URL, query_string={"after": after, "page": 2}), 422, "validation_error")
    assert list(payload["details"]["fields"]) == ["after"]
