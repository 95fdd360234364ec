"""Long incident lists (issue 18, "Lists at 1,000,000 incidents"; API.md "Lists" and "Incidents"):
`total` exact up to LIST_EXACT_TOTAL_MAX and an estimate flagged `total_is_estimate` past it, keyset
paging with `?after=<cursor>` beside page numbers (no row missed or repeated, ties on the sort key
included), and a bad cursor refused naming `after`. Both databases; a small threshold stands in
for 10,000."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from incident_hub.services.incidents import queries, search
from incident_hub.services.incidents.commands import add_comment, transition_incident
from tests.api.incident_helpers import URL, error
from tests.api.paging_helpers import by_pages, cursor, get_page, walk
from tests.factories import PHYSICAL_ONLY_FACTS, SYSTEM, make_incident
from tests.intake.test_statement_counts import counting


def _get(client, **params):
    return get_page(client, URL, **params)


def test_total_is_exact_up_to_the_threshold_and_an_estimate_past_it(threshold, as_oict, as_dss):
    for i in range(6):
        make_incident(title=f"Badge cloned {i}", severity="critical" if i < 2 else "high")
    make_incident(title="Fence cut", **PHYSICAL_ONLY_FACTS)  # DSS takes part in this one only
    every = _get(as_oict)
    assert every["total_is_estimate"] is True and every["total"] > threshold
    assert len(every["items"]) == 7 and every["next_cursor"] is None
    critical = _get(as_oict, severity="critical")
    assert (critical["total"], critical["total_is_estimate"]) == (2, False)
    high = _get(as_oict, severity="high", per_page=2)
    assert high["total_is_estimate"] is True and high["total"] >= threshold + 1 and len(high["items"]) == 2
    searched = _get(as_oict, q="badge")
    assert searched["total_is_estimate"] is True and searched["total"] >= threshold + 1
    dss = _get(as_dss)  # need to know still decides what is counted
    assert (dss["total"], dss["total_is_estimate"], [i["title"] for i in dss["items"]]) == (1, False, ["Fence cut"])


def test_total_is_exact_by_default(as_oict):
    for _ in range(4):
        make_incident()
    body = _get(as_oict)
    assert (body["total"], body["total_is_estimate"], body["page"]) == (4, False, 1)


def _walk(client, **params) -> list[int]:
    return walk(client, URL, **params)


def _by_pages(client, per_page: int, **params) -> list[int]:
    return by_pages(client, URL, per_page, **params)


@pytest.fixture
def ties(app):
    """13 incidents sharing sort keys: 3 severities, 3 titles, 2 occurrence times and no time, 3 statuses."""
    moments = [datetime(2026, 11, 1, 8, tzinfo=UTC), datetime(2026, 11, 2, 8, tzinfo=UTC), None]
    made = []
    for i in range(13):
        incident = make_incident(
            title=("Door forced", "Badge cloned", "Camera offline")[i % 3],
            severity=("low", "high", "critical")[i % 3 if i < 9 else 1],
            occurred_at=moments[i % 3],
        )
        if i % 4 == 1:
            transition_incident(SYSTEM, incident.id, "acknowledged", "", "", "")
        if i % 4 == 2:
            transition_incident(SYSTEM, incident.id, "acknowledged", "", "", "")
            transition_incident(SYSTEM, incident.id, "resolved", "Badge revoked", "", "")
        made.append(incident.id)
    return made


SORTS = ["-created_at", "created_at", "severity", "-severity", "status", "-status", "title", "-title"]
SORTS += ["occurred_at", "-occurred_at", "id", "-id", "updated_at"]


@pytest.mark.parametrize("sort", SORTS)
def test_keyset_paging_misses_and_repeats_nothing_with_ties(ties, as_oict, sort):
    everything = [i["id"] for i in _get(as_oict, sort=sort, per_page=500)["items"]]
    assert sorted(everything) == sorted(ties)
    assert _walk(as_oict, sort=sort, per_page=4) == everything
    assert _walk(as_oict, sort=sort, per_page=1) == everything
    assert _by_pages(as_oict, 4, sort=sort) == everything


def test_sort_by_status_follows_the_lifecycle(ties, as_oict):
    statuses = [i["status"] for i in _get(as_oict, sort="status", per_page=500)["items"]]
    assert statuses == sorted(statuses, key=["new", "acknowledged", "contained", "resolved", "closed"].index)
    assert statuses[0] == "new" and statuses[-1] == "resolved"


def test_keyset_paging_with_a_filter_and_for_dss(ties, as_oict, as_dss):
    make_incident(title="Fence cut", severity="low", **PHYSICAL_ONLY_FACTS)
    make_incident(title="Gate jammed", severity="low", **PHYSICAL_ONLY_FACTS)
    high = [i["id"] for i in _get(as_oict, severity="high", per_page=500)["items"]]
    assert _walk(as_oict, severity="high", per_page=2) == high and len(high) == 7
    assert len(_walk(as_dss, per_page=1)) == 2  # need to know holds on every page


@pytest.fixture
def small_window(monkeypatch):
    """Relevance ranks the newest 3 matches; older ones follow newest first."""
    monkeypatch.setattr(search, "RANKED_WINDOW", 3)


def test_relevance_ranks_the_newest_window_then_pages_on_newest_first(app, small_window, as_oict):
    ids = [make_incident(title="Door forced", description="ransomware note left").id for _ in range(5)]
    best = make_incident(title="Ransomware on the file server").id
    ids.append(best)
    ids += [make_incident(title="Ransomware spread", description="ransomware again").id]
    add_comment(SYSTEM, ids[0], "still ransomware")
    order = [i["id"] for i in _get(as_oict, q="ransomware", per_page=500)["items"]]
    newest = sorted(ids, reverse=True)
    assert set(order[:3]) == set(newest[:3]) and order[3:] == newest[3:]  # window ranked, then newest first
    assert order[0] in (best, ids[-1]) and order[2] == newest[2]  # a title match outranks a body match
    assert _walk(as_oict, q="ransomware", per_page=2) == order
    assert _walk(as_oict, q="ransomware", per_page=1) == order
    assert _by_pages(as_oict, 2, q="ransomware") == order
    assert _walk(as_oict, q="ransomware", sort="-id", per_page=3) == newest


def test_relevance_past_the_exact_count_ranks_the_same_window(app, small_window, threshold, as_oict, as_dss):
    """More matches than the exact-count threshold: the total is an estimate and the window is found
    by walking the newest incidents, with the same order, pages and cursors as a counted search."""
    ids = [make_incident(title="Gate sensor", description="elevator fault", **PHYSICAL_ONLY_FACTS).id for _ in range(4)]
    best = make_incident(title="Elevator stuck, elevator alarm", **PHYSICAL_ONLY_FACTS).id
    ids += [best] + [make_incident(title="Door", description="elevator", **PHYSICAL_ONLY_FACTS).id for _ in range(2)]
    for client in (as_oict, as_dss):
        first = _get(client, q="elevator", per_page=50)
        assert first["total_is_estimate"] and first["total"] >= 4
        order = [i["id"] for i in first["items"]]
        newest = sorted(ids, reverse=True)
        assert set(order[:3]) == set(newest[:3]) and order[3:] == newest[3:]
        assert order[0] == best  # in the window (the third newest): a title match ranks first
        assert _walk(client, q="elevator", per_page=2) == order
        assert _by_pages(client, 2, q="elevator") == order


def test_a_search_page_reads_the_matches_once(app, small_window, as_oict, as_dss):
    """Count, ranked window and page come from one statement over the matches (issue 12, "Search
    at 1M": reading them three times cost a multi-word search with thousands of matches ~1 s)."""
    for n in range(6):
        make_incident(title=f"Elevator stuck {n}", location="Nairobi", **PHYSICAL_ONLY_FACTS)
    for client in (as_oict, as_dss):
        with counting() as statements:
            page = _get(client, q="nairobi elevator", per_page=2)
        assert page["total"] == 6 and not page["total_is_estimate"] and page["next_cursor"]
        searching = [s for s in statements if "incident_search" in s and not s.startswith("EXPLAIN")]
        assert len(searching) == 1, "\n".join(searching)


@pytest.mark.parametrize("q", ["elevator", "elevator stuck", "elevator stu"])
@pytest.mark.parametrize("visible", [3, 5])
def test_a_search_expected_to_be_long_is_counted_before_ranking(
    app, small_window, threshold, as_dss, monkeypatch, visible, q
):
    """When PostgreSQL's planner expects more matches than the threshold, a count comes before
    ranking (of the matches with every word whole for two words or more: a subset; of the
    matches for one word); under need to know the planner's estimate may be far off, so the
    count decides: the same page, cursor and exactness as ranking at once."""
    for n in range(visible):
        make_incident(title=f"Elevator stuck {n}", **PHYSICAL_ONLY_FACTS)
    make_incident(title="Elevator stuck, controller hacked")  # cyber only: DSS does not see it
    at_once = _get(as_dss, q=q, per_page=2)
    monkeypatch.setattr(queries, "planned_rows", lambda q: 1_000_000)
    counted = _get(as_dss, q=q, per_page=2)
    same = ("items", "total_is_estimate", "next_cursor")
    assert {k: counted[k] for k in same} == {k: at_once[k] for k in same}
    if visible <= threshold:
        assert (counted["total"], counted["total_is_estimate"]) == (visible, False)
    else:
        assert counted["total_is_estimate"] is True and counted["total"] > threshold
    assert _walk(as_dss, q=q, per_page=2) == [i["id"] for i in _get(as_dss, q=q, per_page=50)["items"]]


def test_relevance_with_fewer_matches_than_the_window(app, as_oict):
    first = make_incident(title="Generator failed", description="ransomware suspected").id
    second = make_incident(title="Ransomware on the file servers").id
    assert _walk(as_oict, q="ransomware", per_page=1) == [second, first]


_cursor = cursor


@pytest.mark.parametrize(
    "after",
    [
        "not-a-cursor!",
        "%%%",
        _cursor("-created_at", "yesterday", 3),  # not a time
        _cursor("-created_at", "2026-11-01T08:00:00+00:00"),  # no id
        _cursor("-created_at", "2026-11-01T08:00:00+00:00", "3"),  # id of the wrong type
        _cursor("title", "Door", 3),  # made for another sort
        base64.urlsafe_b64encode(b"{}").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "A" * 2000,
    ],
)
def test_a_bad_cursor_is_a_422_naming_after_and_changes_nothing(as_oict, after):
    make_incident()
    payload = error(as_oict.get(URL, query_string={"after": after}), 422, "validation_error")
    assert list(payload["details"]["fields"]) == ["after"]


def test_after_and_page_together_are_refused(as_oict):
    make_incident()
    make_incident()
    cursor = _get(as_oict, per_page=1)["next_cursor"]
    assert cursor
    payload = error(as_oict.get(URL, query_string={"after": cursor, "page": 2}), 422, "validation_error")
    assert list(payload["details"]["fields"]) == ["after"]


def test_a_relevance_cursor_is_refused_for_another_query_shape(as_oict):
    make_incident(title="Ransomware one")
    make_incident(title="Ransomware two")
    cursor = _get(as_oict, q="ransomware", per_page=1)["next_cursor"]
    payload = error(as_oict.get(URL, query_string={"after": cursor}), 422, "validation_error")
    assert list(payload["details"]["fields"]) == ["after"]  # made for sort=relevance, asked -created_at
