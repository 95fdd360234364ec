"""Need to know and the list (DOMAIN.md "Need to know"; A/77/88/Add.1 para 6): detection only
for OICT and managers; DSS officers see only incidents DSS takes part in, others are 404 and
do not count in `total`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.incident_helpers import DETECTION, URL, counts, create, error


@pytest.fixture
def mixed(as_oict):
    """One incident per rule, each with detection details."""
    return {rule: create(as_oict, rule, detection=DETECTION) for rule in ("R1", "R2", "R3", "R4")}


@pytest.mark.parametrize("who", ["as_oict", "as_manager", "as_admin"])
def test_cyber_cleared_roles_see_everything_with_detection(request, mixed, who):
    client = request.getfixturevalue(who)
    body = client.get(URL).get_json()
    assert body["total"] == 4 and len(body["items"]) == 4
    assert all(item["detection"] == DETECTION for item in body["items"])
    assert client.get(f"{URL}/{mixed['R1']['id']}").get_json()["detection"] == DETECTION


def test_dss_sees_only_its_incidents_without_detection(mixed, as_dss):
    body = as_dss.get(URL).get_json()
    assert body["total"] == 3
    assert {item["routing"]["rule"] for item in body["items"]} == {"R2", "R3", "R4"}
    assert all("detection" not in item for item in body["items"])
    for rule in ("R2", "R3", "R4"):
        one = as_dss.get(f"{URL}/{mixed[rule]['id']}")
        assert one.status_code == 200 and "detection" not in one.get_json()
    error(as_dss.get(f"{URL}/{mixed['R1']['id']}"), 404, "not_found")
    assert as_dss.get(f"{URL}?rule=R1").get_json()["total"] == 0
    timeline = as_dss.get(f"{URL}/{mixed['R3']['id']}/timeline").get_json()["items"]
    assert "ET SCAN" not in str(timeline)


def test_dss_on_pure_cyber_gets_404_on_every_path(mixed, as_dss):
    iid = mixed["R1"]["id"]
    before = counts()
    error(as_dss.patch(f"{URL}/{iid}", json={"title": "x"}), 404, "not_found")
    error(as_dss.post(f"{URL}/{iid}/transitions", json={"to": "acknowledged"}), 404, "not_found")
    error(as_dss.get(f"{URL}/{iid}/timeline"), 404, "not_found")
    assert counts() == before


def test_dss_creating_cyber_work_does_not_see_it_afterwards(as_dss):
    """A DSS officer may log a stolen laptop; OICT leads it (R1) and it leaves DSS's view."""
    incident = create(as_dss, "R1", vectors=["physical_on_it"], effects=["data_compromise"])
    assert incident["routing"]["lead_unit"] == "OICT" and "detection" not in incident
    error(as_dss.get(f"{URL}/{incident['id']}"), 404, "not_found")


def test_detection_change_refused_for_dss(mixed, as_dss):
    before = counts()
    payload = error(as_dss.patch(f"{URL}/{mixed['R4']['id']}", json={"detection": DETECTION}), 422, "validation_error")
    assert list(payload["details"]["fields"]) == ["detection"]
    assert counts() == before


def test_filters(as_oict, mixed):
    iid = mixed["R4"]["id"]
    as_oict.post(f"{URL}/{iid}/transitions", json={"to": "acknowledged"})
    as_oict.patch(f"{URL}/{mixed['R1']['id']}", json={"severity": "low", "title": "Phishing 100% _wave_"})

    def ids(query):
        response = as_oict.get(f"{URL}?{query}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["total"] == len(body["items"])
        return {item["id"] for item in body["items"]}

    assert ids("status=acknowledged") == {iid}
    assert ids("lead_unit=DSS") == {iid}
    assert ids("lead_unit=OICT") == {mixed[r]["id"] for r in ("R1", "R2", "R3")}
    assert ids("severity=low") == {mixed["R1"]["id"]}
    assert ids("hybrid=true") == {mixed["R3"]["id"]}
    assert ids("hybrid=false") == {mixed[r]["id"] for r in ("R1", "R2", "R4")}
    assert ids("hybrid=unknown") == set()
    assert ids("rule=R2") == {mixed["R2"]["id"]}
    assert ids("q=phishing") == {mixed["R1"]["id"]}
    assert ids("q=100%25") == {mixed["R1"]["id"]}  # % is literal, not a wildcard
    assert ids("q=_wave_") == {mixed["R1"]["id"]}
    assert ids("q=%25") == {mixed["R1"]["id"]}
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"created_before={future}") == {i["id"] for i in mixed.values()}
    assert ids(f"created_after={future}") == set()
    assert ids("lead_unit=OICT&severity=high&rule=R3") == {mixed["R3"]["id"]}


def test_sort_and_pagination(as_oict, mixed):
    as_oict.patch(f"{URL}/{mixed['R2']['id']}", json={"severity": "critical"})
    as_oict.patch(f"{URL}/{mixed['R4']['id']}", json={"severity": "low"})
    newest = as_oict.get(URL).get_json()["items"]
    assert [i["id"] for i in newest] == sorted((i["id"] for i in newest), reverse=True)
    by_severity = as_oict.get(f"{URL}?sort=-severity").get_json()["items"]
    assert [i["severity"] for i in by_severity] == ["critical", "high", "high", "low"]
    assert [i["title"] for i in as_oict.get(f"{URL}?sort=title").get_json()["items"]] == sorted(
        i["title"] for i in newest
    )
    page2 = as_oict.get(f"{URL}?per_page=3&page=2").get_json()
    assert (page2["total"], page2["page"], page2["per_page"], len(page2["items"])) == (4, 2, 3, 1)
    assert page2["items"][0]["id"] == newest[3]["id"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=done", "status"),
        ("severity=huge", "severity"),
        ("hybrid=maybe", "hybrid"),
        ("rule=R9", "rule"),
        ("lead_unit=NASA", "lead_unit"),
        ("created_after=yesterday", "created_after"),
        ("sort=colour", "sort"),
        ("per_page=501", "per_page"),
        ("page=0", "page"),
        ("colour=red", "colour"),
    ],
)
def test_list_validation(as_oict, query, field):
    payload = error(as_oict.get(f"{URL}?{query}"), 422, "validation_error")
    assert list(payload["details"]["fields"]) == [field]
