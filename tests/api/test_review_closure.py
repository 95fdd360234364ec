"""Closure gating (API.md "Vocabulary"): `→ closed` is refused (422, rule "closure") while a
required post-incident review is missing or unsigned; REVIEW_REQUIRED_SEVERITIES decides which
severities need one; a manager may close anyway with override_reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from incident_hub.settings import SettingsError, load_settings
from tests.factories import make_incident

TRANSITIONS = "/api/v1/incidents/{}/transitions"


def resolve(client, incident_id: int) -> None:
    for to in ("acknowledged", "resolved"):
        assert client.post(TRANSITIONS.format(incident_id), json={"to": to, "note": "fixed"}).status_code == 200


def close(client, incident_id: int, **extra):
    return client.post(TRANSITIONS.format(incident_id), json={"to": "closed", **extra})


def checks_of(response) -> list[str]:
    """The closure checks that refused (none when the incident closed)."""
    if response.status_code == 200:
        return []
    assert response.status_code == 422, response.get_json()
    return [b["check"] for b in response.get_json()["error"]["details"]["open"]]


@pytest.fixture
def oict_mgr(login_as):
    return login_as("manager", "OICT", "mgr-oict")


def test_high_incident_without_review_is_not_closed(as_oict):
    incident = make_incident(severity="high")
    resolve(as_oict, incident.id)
    response = close(as_oict, incident.id)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["details"]["rule"] == "closure"
    [blocker] = [b for b in error["details"]["open"] if b["check"] == "review_missing"]
    assert blocker["items"][0]["status"] == "missing"
    assert as_oict.get(f"/api/v1/incidents/{incident.id}").get_json()["status"] == "resolved"


def test_an_unsigned_review_still_blocks_and_a_signed_one_lets_it_close(as_oict, oict_mgr):
    incident = make_incident(severity="critical")
    resolve(as_oict, incident.id)
    as_oict.put(f"/api/v1/incidents/{incident.id}/review", json={"summary": "Done and learnt."})
    response = close(as_oict, incident.id)
    assert response.status_code == 422
    [blocker] = [b for b in response.get_json()["error"]["details"]["open"] if b["check"] == "review_missing"]
    assert blocker["items"][0]["status"] == "draft"
    oict_mgr.post(f"/api/v1/incidents/{incident.id}/review/signoffs", json={})
    assert "review_missing" not in checks_of(close(as_oict, incident.id))


def test_low_and_medium_need_no_review(as_oict):
    incident = make_incident(severity="medium")
    resolve(as_oict, incident.id)
    assert "review_missing" not in checks_of(close(as_oict, incident.id))


def test_a_manager_closes_anyway_with_a_reason(as_oict, as_manager):
    incident = make_incident(severity="high")
    resolve(as_oict, incident.id)
    refused = close(as_oict, incident.id, override_reason="no time")
    assert refused.status_code == 403 and refused.get_json()["error"]["details"]["rule"] == "closure"
    response = close(as_manager, incident.id, override_reason="Review held offline on 2026-11-25; minutes filed.")
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    events = as_manager.get(f"/api/v1/incidents/{incident.id}/timeline").get_json()["items"]
    assert "Review held offline" in events[-1]["body"]


def test_required_severities_are_configurable(app, as_oict, monkeypatch):
    current = app.extensions["incident_hub"]
    settings = current.settings.with_(review_required_severities=("low",))
    monkeypatch.setitem(app.extensions, "incident_hub", replace(current, settings=settings))
    critical, low = make_incident(severity="critical"), make_incident(severity="low")
    resolve(as_oict, critical.id)
    resolve(as_oict, low.id)
    assert "review_missing" not in checks_of(close(as_oict, critical.id))
    assert "review_missing" in checks_of(close(as_oict, low.id))


def test_an_unknown_severity_in_the_setting_stops_the_start(monkeypatch):
    monkeypatch.setenv("REVIEW_REQUIRED_SEVERITIES", "high,urgent")
    with pytest.raises(SettingsError, match="REVIEW_REQUIRED_SEVERITIES"):
        load_settings(dotenv=False).check()
