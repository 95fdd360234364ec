"""The governance report (Recommendation 1, para 6): aggregates only, nothing sensitive, in any format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from incident_hub.domain.facts import TLP_LABELS
from incident_hub.services.incidents.commands import add_comment
from tests.factories import HYBRID_FACTS, PHYSICAL_ONLY_FACTS, SYSTEM, make_incident
from tests.web.data import drop_playbook_actions, make_action

MARK = "ZQXMARK"


def _plant(n: int = 30) -> list[str]:
    """Incidents whose every free-text / sensitive field carries a unique marker; returns the markers."""
    markers: list[str] = []
    for i in range(n):
        m = {k: f"{MARK}{k}{i:03d}" for k in ("title", "desc", "loc", "sensor", "rule", "ind", "comment", "action")}
        markers.extend(m.values())
        facts = (HYBRID_FACTS, PHYSICAL_ONLY_FACTS, {"vectors": ["digital"], "effects": [], "deliberate": None})[i % 3]
        incident = make_incident(
            title=m["title"],
            description=m["desc"],
            location=m["loc"],
            tlp=TLP_LABELS[i % len(TLP_LABELS)],
            detection={"sensor": m["sensor"], "rule": m["rule"], "indicators": [m["ind"], "198.51.100.7"]},
            **facts,
        )
        add_comment(SYSTEM, incident.id, m["comment"])
        make_action(incident.id, "OICT", None, m["action"])
    drop_playbook_actions()
    return markers


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_no_marker_in_any_format(as_manager, fmt):
    markers = _plant()
    response = as_manager.get(f"/api/v1/reports/governance?format={fmt}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert MARK not in body, [m for m in markers if m in body][:5]
    assert "198.51.100.7" not in body and "TLP:RED" not in body and "AMBER+STRICT" not in body


def test_report_page_has_no_marker(app, as_manager):
    from tests.web.support import login

    _plant(9)
    manager = login(app, "manager", None, "report-reader")
    body = manager.text("/reports/governance")
    assert MARK not in body and "198.51.100.7" not in body
    assert "Governance report" in body


def test_json_figures(as_manager):
    _plant(30)
    body = as_manager.get("/api/v1/reports/governance").get_json()
    assert body["incidents"]["total"] == 30
    assert body["incidents"]["by_rule"]["R3"] == 10 and body["incidents"]["by_rule"]["R4"] == 10
    assert body["incidents"]["by_vector"] == {"digital": 20, "physical_on_it": 0, "physical": 10}
    assert body["incidents"]["by_lead_unit"] == {"OICT": 20, "DSS": 10}
    assert body["hybrid"]["count"] == 10
    assert body["actions"]["total"] == 30 and body["actions"]["completion_rate"] == 0
    assert set(body["risk_levels"]) == {"very_low", "low", "medium", "high", "very_high", "unacceptable"}
    # Only counts, rates and durations: no string value but the period, the basis and the report name.
    strings = [v for k, v in _leaves(body) if isinstance(v, str)]
    assert len(strings) == 5


def _leaves(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{prefix}.{k}")
    else:
        yield prefix, value


def test_csv_shape(as_manager):
    _plant(3)
    response = as_manager.get("/api/v1/reports/governance?format=csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["figure", "value"]
    assert ["incidents.total", "3"] in rows


def test_html_is_a_printable_page(as_manager):
    response = as_manager.get("/api/v1/reports/governance?format=html")
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<table" in response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_roles_and_bad_format(as_oict, as_dss, as_admin, as_manager):
    assert as_oict.get("/api/v1/reports/governance").status_code == 403
    assert as_dss.get("/api/v1/reports/governance").status_code == 403
    assert as_admin.get("/api/v1/reports/governance").status_code == 200
    bad = as_manager.get("/api/v1/reports/governance?format=xml")  # pdf is a format since issue 17
    assert bad.status_code == 422 and "format" in json.dumps(bad.get_json()["error"]["details"])
