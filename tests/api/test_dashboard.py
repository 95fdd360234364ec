"""GET /api/v1/dashboard: exactly the keys of API.md, SQL-aggregated figures, managers only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_hub.services.dashboard import DashboardCache, _percentile_from_histogram
from tests.web.data import small_world

KEYS = {"open_incidents", "hybrid", "actions", "risk_heatmap", "times", "trend"}


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
    assert body["hybrid"]["median_time_to_joint_assessment_seconds"] is None  # hook until assessments merge
    assert body["actions"]["by_status"]["open"] == 3
    assert body["actions"]["overdue_by_unit"] == {"OICT": 1}
    heat = body["risk_heatmap"]
    assert len(heat["counts"]) == 5 and all(len(row) == 5 for row in heat["counts"])
    assert heat["levels"][4][4] == "very_high" and heat["levels"][0][0] == "very_low"
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
