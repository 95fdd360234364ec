"""GET /api/v1/dashboard: exactly the keys of API.md, SQL-aggregated figures, managers only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_hub.clock import utcnow
from incident_hub.domain.access import Principal
from incident_hub.domain.risk import DEFAULT_MATRIX
from incident_hub.services.assessments.commands import new_version, sign_assessment, update_assessment
from incident_hub.services.reporting.dashboard import DashboardCache, _percentile_from_histogram
from tests.factories import SYSTEM, make_incident, make_user
from tests.web.assess_data import add_threat_with_measure, joint_assessment_of, make_assessment
from tests.web.data import small_world

KEYS = {"open_incidents", "hybrid", "actions", "risk_heatmap", "times", "trend", "reviews"}


def test_keys_and_figures(as_manager):
    small_world()
    response = as_manager.get("/api/v1/dashboard")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == KEYS
    open_ = body["open_incidents"]
    assert open_["total"] == 3
    assert open_["by_lead"] == {"OICT": 2, "DSS": 1}
    assert open_["by_severity"] == {"low": 1, "medium": 0, "high": 1, "critical": 1}
    assert open_["by_status"] == {"new": 2, "acknowledged": 1, "contained": 0}
    assert body["hybrid"]["count"] == 2 and body["hybrid"]["open"] == 2
    assert body["hybrid"]["median_time_to_joint_assessment_seconds"] is None  # no joint assessment signed yet
    assert body["actions"]["by_status"]["open"] == 3
    assert body["actions"]["overdue_by_unit"] == {"OICT": 1}
    heat = body["risk_heatmap"]
    assert len(heat["counts"]) == 5 and all(len(row) == 5 for row in heat["counts"])
    assert heat["levels"] == [[DEFAULT_MATRIX.level(lk, im) for im in range(1, 6)] for lk in range(1, 6)]
    assert heat["total"] == 0 and heat["review_due"] == 0
    assert body["times"]["acknowledge"]["count"] == 2
    assert body["times"]["resolve"]["count"] == 1
    assert body["times"]["contain"] == {"median_seconds": None, "p90_seconds": None, "count": 0}
    today = datetime.now(UTC).date().isoformat()
    last = body["trend"][-1]
    assert last == {"date": today, "opened": 4, "resolved": 1}
    assert len(body["trend"]) in (30, 31)


def test_unit_filter(as_manager):
    small_world()
    body = as_manager.get("/api/v1/dashboard?unit=DSS").get_json()
    assert body["open_incidents"]["total"] == 1
    assert body["open_incidents"]["by_lead"]["DSS"] == 1
    assert body["actions"]["by_status"]["open"] == 1
    assert body["actions"]["overdue_by_unit"] == {}


def test_period_filter(as_manager):
    small_world()
    old = (datetime.now(UTC) - timedelta(days=100)).strftime("%Y-%m-%dT00:00:00Z")
    older = (datetime.now(UTC) - timedelta(days=120)).strftime("%Y-%m-%dT00:00:00Z")
    body = as_manager.get(f"/api/v1/dashboard?from={older}&to={old}").get_json()
    assert body["hybrid"]["count"] == 0
    assert sum(day["opened"] for day in body["trend"]) == 0
    assert len(body["trend"]) == 20
    assert body["open_incidents"]["total"] == 3  # current state, whatever the period


@pytest.mark.parametrize(
    "query", ["?unit=NOPE", "?from=yesterday", "?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"]
)
def test_bad_parameters_are_422(as_manager, query):
    response = as_manager.get("/api/v1/dashboard" + query)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


def test_roles(as_oict, as_dss, as_admin, client):
    assert as_oict.get("/api/v1/dashboard").status_code == 403
    assert as_dss.get("/api/v1/dashboard").status_code == 403
    assert as_admin.get("/api/v1/dashboard").status_code == 200
    assert client.get("/api/v1/dashboard").status_code == 401


def test_percentile_from_histogram():
    assert _percentile_from_histogram([], 0.5) is None
    # 10 values in bucket 0 (0-59 s) and 10 in bucket 2 (120-179 s)
    assert _percentile_from_histogram([(0, 10), (2, 10)], 0.5) == 60
    assert _percentile_from_histogram([(0, 10), (2, 10)], 0.9) == 168


def test_cache_serves_the_same_figures_within_ttl():
    calls = []

    def build():
        calls.append(1)
        return {"n": len(calls)}

    cache = DashboardCache(ttl=30)
    assert cache.get(("a",), build) == {"n": 1}
    assert cache.get(("a",), build) == {"n": 1}
    assert cache.get(("b",), build) == {"n": 2}
    assert DashboardCache(ttl=0).get(("a",), build) == {"n": 3}


def _cells(counts: list[list[int]]) -> dict[tuple[int, int], int]:
    return {(lk + 1, im + 1): n for lk, row in enumerate(counts) for im, n in enumerate(row) if n}


def test_heatmap_counts_threats_of_current_versions(as_manager):
    first = make_assessment([("cyber", 5, 5), ("physical", 5, 5), ("physical", 2, 3)])
    make_assessment([("physical", 1, 4)])
    old = make_assessment([("cyber", 3, 3)])
    new_version(SYSTEM, old.id, {"title": "Reassessed", "note": ""})  # v1 frozen, its threat copied into v2
    heat = as_manager.get("/api/v1/dashboard").get_json()["risk_heatmap"]
    assert _cells(heat["counts"]) == {(5, 5): 2, (2, 3): 1, (1, 4): 1, (3, 3): 1}
    assert heat["total"] == 5
    report = as_manager.get("/api/v1/reports/governance").get_json()
    assert report["risk_levels"]["very_high"] == 2 and report["risk_levels"]["medium"] == 1
    assert sum(report["risk_levels"].values()) == 5
    assert first.id


def test_heatmap_unit_filter_and_reviews_due(as_manager):
    incident = make_incident(hybrid=True)  # R3: OICT leads, a joint assessment is created for it
    joint = joint_assessment_of(incident.id)
    add_threat_with_measure(joint.id)
    make_assessment([("physical", 2, 2)])  # subject-only: no lead unit
    update_assessment(SYSTEM, joint.id, {"review_due_at": utcnow() - timedelta(days=1)})
    oict = as_manager.get("/api/v1/dashboard?unit=OICT").get_json()["risk_heatmap"]
    assert _cells(oict["counts"]) == {(4, 4): 1} and oict["review_due"] == 1
    dss = as_manager.get("/api/v1/dashboard?unit=DSS").get_json()["risk_heatmap"]
    assert dss["total"] == 0 and dss["review_due"] == 0
    everyone = as_manager.get("/api/v1/dashboard").get_json()["risk_heatmap"]
    assert _cells(everyone["counts"]) == {(4, 4): 1, (2, 2): 1} and everyone["review_due"] == 1


def test_median_time_to_joint_assessment(as_manager):
    incident = make_incident(hybrid=True)
    joint = joint_assessment_of(incident.id)
    add_threat_with_measure(joint.id)
    assert as_manager.get("/api/v1/dashboard").get_json()["hybrid"]["median_time_to_joint_assessment_seconds"] is None
    oict, _ = make_user("oict_responder", "OICT", "dash-oict")
    dss, _ = make_user("dss_officer", "DSS", "dash-dss")
    sign_assessment(Principal(oict.id, oict.username, oict.role, "OICT"), joint.id)
    sign_assessment(Principal(dss.id, dss.username, dss.role, "DSS"), joint.id)
    body = as_manager.get("/api/v1/dashboard").get_json()
    median = body["hybrid"]["median_time_to_joint_assessment_seconds"]
    assert isinstance(median, int) and median >= 0
    assert (
        as_manager.get("/api/v1/dashboard?unit=DSS").get_json()["hybrid"]["median_time_to_joint_assessment_seconds"]
        is None
    )
