"""The admin's source page: deliveries (accepted, duplicate, refused with the reason; never a
secret or a body), the test delivery through the real intake path, mapping rules with errors at
the field (both databases)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Delivery, Incident, IntakeAttempt, Source
from tests.intake.factories import make_source, payload, post


@pytest.mark.parametrize("fmt", ["generic", "alertmanager", "grafana"])
def test_test_delivery_goes_through_intake_and_opens_nothing(admin, fmt):
    source, secret = make_source(fmt)
    page = f"/admin/sources/{source.id}"
    assert 'id="no-deliveries"' in admin.text(page)
    before = db.session.execute(select(func.count()).select_from(Incident)).scalar_one()
    answer = admin.post(f"{page}/test-delivery", {}, csrf_page=page, follow_redirects=True)
    html = answer.get_data(as_text=True)
    assert "Test delivery accepted (202)" in html and "accepted" in html and ">test<" in html
    assert secret not in html
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Incident)).scalar_one() == before


def test_deliveries_list_outcomes_without_secrets_or_bodies(admin, client):
    source, secret = make_source("alertmanager")
    body = payload("alertmanager")
    assert post(client, source, secret, body).status_code == 202
    assert post(client, source, secret, body).status_code == 200  # the same body again: duplicate
    assert post(client, source, "wrong-secret", body).status_code == 401
    html = admin.text(f"/admin/sources/{source.id}")
    for outcome in ("accepted", "duplicate", "refused"):
        assert f"outcome-{outcome}" in html
    assert "Duplicate (already stored)" in html and "bad_signature" in html
    db.session.rollback()
    duplicate = db.session.execute(select(IntakeAttempt).where(IntakeAttempt.outcome == "duplicate")).scalar_one()
    stored = db.session.execute(select(Delivery.id).where(Delivery.source_id == source.id)).scalar_one()
    assert (duplicate.source_id, duplicate.delivery_id, duplicate.status_code) == (source.id, stored, 200)
    assert secret not in html and "BadgeReaderOffline" not in html and "Badge readers unreachable" not in html


def test_mapping_errors_at_the_field_and_saved_when_valid(admin):
    source, _ = make_source("generic")
    page = f"/admin/sources/{source.id}"
    bad = {"rules": [{"match": {"alertname": "X"}, "vectors": ["laser"]}]}
    html = admin.refused(f"{page}/mapping", {"map-mapping": json.dumps(bad)}, csrf_page=page)
    assert 'id="map-mapping-error"' in html and "rules.0.vectors" in html and "laser" in html  # as typed
    assert "not valid JSON" in admin.refused(f"{page}/mapping", {"map-mapping": "{not json"}, csrf_page=page)
    good = {
        "rules": [{"match": {"alertname": "DoorForced"}, "vectors": ["physical"], "effects": ["premises_security_gap"]}]
    }
    assert admin.post(f"{page}/mapping", {"map-mapping": json.dumps(good)}, csrf_page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Source, source.id).mapping["rules"] == good["rules"]


def test_source_page_is_for_admins(oict, manager):
    source, _ = make_source("generic")
    assert oict.get(f"/admin/sources/{source.id}").status_code == 403
    assert manager.get(f"/admin/sources/{source.id}").status_code == 403
