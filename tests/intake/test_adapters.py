"""Format adapters: realistic payloads in, alert facts out; wrong shapes name their fields."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from incident_hub.errors import ValidationError
from incident_hub.intake.adapters import PARSERS
from incident_hub.intake.adapters.base import derived_fingerprint
from tests.intake.factories import ALERTMANAGER_PAYLOAD, GENERIC_PAYLOAD, GRAFANA_PAYLOAD


def test_alertmanager_v4():
    parsed = PARSERS["alertmanager"](copy.deepcopy(ALERTMANAGER_PAYLOAD))
    (alert,) = parsed.alerts
    assert alert.status == "firing" and alert.fingerprint == "1a30ba71cca2921f"
    assert alert.labels["site"] == "nyc-hq" and alert.annotations["summary"] == "Badge readers unreachable"
    assert alert.starts_at == datetime(2025, 1, 15, 9, tzinfo=UTC) and alert.ends_at is None
    assert parsed.group_key is not None  # grouped by alertname


def test_grafana_unified_alerting_ignores_its_extra_keys_and_catch_all_group():
    parsed = PARSERS["grafana"](copy.deepcopy(GRAFANA_PAYLOAD))
    (alert,) = parsed.alerts
    assert alert.fingerprint == "c6eadffa33fcdf37" and alert.labels == {"alertname": "VPN brute force", "team": "oict"}
    assert parsed.group_key is None  # "{}:{}" with no group labels groups nothing


def test_generic_derives_fingerprint_and_reads_nanoseconds():
    parsed = PARSERS["generic"](copy.deepcopy(GENERIC_PAYLOAD))
    (alert,) = parsed.alerts
    assert alert.fingerprint == derived_fingerprint(alert.labels)
    assert alert.starts_at == datetime(2025, 1, 15, 9, 0, 0, 123456, tzinfo=UTC)
    assert derived_fingerprint({"a": "1", "b": "2"}) == derived_fingerprint({"b": "2", "a": "1"})


def test_unknown_keys_are_ignored():
    data = copy.deepcopy(ALERTMANAGER_PAYLOAD)
    data["notification_reason"] = "first notification"
    data["routeLabels"] = {"x": "y"}
    data["alerts"][0]["somethingNew"] = [1, 2]
    assert len(PARSERS["alertmanager"](data).alerts) == 1


@pytest.mark.parametrize(
    ("fmt", "change", "fields"),
    [
        ("alertmanager", {"version": "3"}, {"version"}),
        ("alertmanager", {"alerts": "nope"}, {"alerts"}),
        ("grafana", {"version": "4"}, {"version"}),
        ("generic", {"alerts": [{"labels": {"a": 1}}]}, {"alerts.0.status", "alerts.0.labels"}),
        ("generic", {"alerts": [{"status": "firing", "labels": {}, "startsAt": "yesterday"}]}, {"alerts.0.startsAt"}),
        ("generic", {"alerts": [{"status": "firing", "labels": {}, "fingerprint": 7}]}, {"alerts.0.fingerprint"}),
        ("generic", {"alerts": [42]}, {"alerts.0"}),
        ("generic", {}, {"alerts"}),
    ],
)
def test_wrong_shape_names_the_fields(fmt, change, fields):
    data = copy.deepcopy({"alertmanager": ALERTMANAGER_PAYLOAD, "grafana": GRAFANA_PAYLOAD, "generic": {}}[fmt])
    data.update(change)
    with pytest.raises(ValidationError) as info:
        PARSERS[fmt](data)
    assert set(info.value.details["fields"]) == fields
