"""Forms: create and edit incidents, transitions, comments, admin; CSRF on every form."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import ApiToken, AuditEntry, Incident, TimelineEvent, User
from tests.factories import make_incident

HYBRID_FORM = {
    "title": "Badge readers offline after phishing",
    "vectors": ["digital"],
    "effects": ["programme_disruption", "premises_security_gap"],
    "deliberate": "yes",
    "severity": "high",
    "tlp": "TLP:AMBER",
    "location": "Geneva HQ",
    "occurred_at": "2026-11-20T08:00",
    "detection_sensor": "edr-7",
    "detection_rule": "phish-42",
    "detection_indicators": "198.51.100.1\nevil.example",
}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_create_hybrid_incident_through_the_form(oict):
    response = oict.post("/incidents/new", HYBRID_FORM, csrf_page="/incidents/new")
    assert response.status_code == 302
    incident_id = int(response.headers["Location"].rsplit("/", 1)[1])
    incident = db.session.get(Incident, incident_id)
    assert incident.rule == "R3" and incident.partner_units == ["DSS"] and incident.hybrid is True
    assert incident.detection == {"sensor": "edr-7", "rule": "phish-42", "indicators": ["198.51.100.1", "evil.example"]}
    assert incident.occurred_at.isoformat() == "2026-11-20T08:00:00+00:00"
    page = oict.text(f"/incidents/{incident_id}")
    assert 'id="routing-rule">R3<' in page and 'id="partner-units">DSS<' in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "x" * 201),
        ("severity", "apocalyptic"),
        ("occurred_at", "yesterday"),
        ("vectors", "sky"),
    ],
)
def test_bad_field_shows_error_next_to_it_and_creates_nothing(oict, field, value):
    before = _count(Incident), _count(AuditEntry)
    html = oict.refused("/incidents/new", {**HYBRID_FORM, field: value}, csrf_page="/incidents/new")
    block = re.search(rf'<div class="field has-error" id="field-{field}">(.*?)</div>', html, re.S)
    assert block and 'class="field-error"' in block.group(1), html
    assert (_count(Incident), _count(AuditEntry)) == before


def test_dss_form_has_no_detection_and_cannot_inject_it(dss):
    form = {**HYBRID_FORM, "vectors": ["physical"], "effects": ["personnel_harm_risk"]}
    response = dss.post("/incidents/new", form, csrf_page="/incidents/new")
    assert response.status_code == 302
    incident = db.session.get(Incident, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert incident.detection is None and incident.rule == "R4"


def test_edit_reroutes_and_keeps_unchanged_facts(oict):
    incident = make_incident(detection={"sensor": "s", "rule": "r", "indicators": []})
    assert incident.rule == "R1"
    page = oict.text(f"/incidents/{incident.id}/edit")
    assert 'value="s"' in page
    form = {
        "title": incident.title,
        "vectors": ["digital"],
        "effects": ["programme_disruption", "personnel_harm_risk"],
        "deliberate": "yes",
        "severity": "high",
        "tlp": "TLP:AMBER",
        "detection_sensor": "s",
        "detection_rule": "r",
    }
    response = oict.post(f"/incidents/{incident.id}/edit", form, csrf_page=f"/incidents/{incident.id}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).rule == "R3"


def cyber_edit_led_by_dss(incident) -> dict:
    """The edit form of a purely cyber incident with DSS as lead: refused by M1."""
    return {
        "title": incident.title,
        "vectors": ["digital"],
        "effects": ["service_outage"],
        "deliberate": "yes",
        "severity": "high",
        "tlp": "TLP:AMBER",
        "lead_unit": "DSS",
    }


def test_lead_override_breaking_m1_shows_the_error(oict):
    incident = make_incident()
    form = cyber_edit_led_by_dss(incident)
    html = oict.refused(f"/incidents/{incident.id}/edit", form, csrf_page=f"/incidents/{incident.id}/edit")
    assert "M1" in html
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).lead_unit == "OICT"


def test_transition_and_comment(oict):
    incident = make_incident()
    page = f"/incidents/{incident.id}"
    assert oict.post(f"{page}/transition", {"to": "acknowledged"}, csrf_page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "acknowledged"
    # Not allowed from acknowledged: refused, said on the page, nothing changed.
    response = oict.post(f"{page}/transition", {"to": "closed"}, csrf_page=page, follow_redirects=True)
    assert "cannot go from" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "acknowledged"
    assert oict.post(f"{page}/comments", {"body": "Looking into it"}, csrf_page=page).status_code == 302
    assert "Looking into it" in oict.text(page)


def test_dss_cannot_transition_an_oict_led_incident(dss):
    incident = make_incident(hybrid=True)
    page = f"/incidents/{incident.id}"
    assert 'name="to"' not in dss.text(page)
    dss.post(f"{page}/transition", {"to": "acknowledged"}, csrf_page=page)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "new"


def test_admin_users_and_tokens(admin, app):
    page = "/admin/users"
    response = admin.followed(
        page, {"user-username": "newbie", "user-role": "dss_officer", "user-unit": "DSS"}, csrf_page=page
    )
    assert "Password of newbie" in response and "Password of newbie" not in admin.text(page)
    bad = admin.refused(
        page,
        {"user-username": "x", "user-role": "dss_officer", "user-unit": "OICT", "user-password": "zz-typed-secret-1"},
        csrf_page=page,
    )
    assert "Physical security" in bad and "zz-typed-secret-1" not in bad  # the mandate as a label; no password kept
    assert admin.post("/admin/users/newbie/disable", {}, csrf_page=page).status_code == 302
    db.session.expire_all()
    assert db.session.execute(select(User).where(User.username == "newbie")).scalar_one().active is False
    created = admin.followed("/admin/tokens", {"token-username": "web-admin", "token-name": "ci"}, csrf_page=page)
    raw = re.search(r'class="secret-value">(ih_[^<]+)<', created).group(1)
    token = db.session.execute(select(ApiToken).where(ApiToken.name == "ci")).scalar_one()
    assert app.test_client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert admin.post(f"/admin/tokens/{token.id}/revoke", {}, csrf_page=page).status_code == 302
    assert app.test_client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_every_form_refuses_a_post_without_csrf(oict, admin):
    incident = make_incident()
    before = (_count(Incident), _count(TimelineEvent), _count(User), _count(ApiToken), _count(AuditEntry))
    posts = [
        (oict, "/incidents/new", HYBRID_FORM),
        (oict, f"/incidents/{incident.id}/edit", {**HYBRID_FORM, "title": "changed"}),
        (oict, f"/incidents/{incident.id}/transition", {"to": "acknowledged"}),
        (oict, f"/incidents/{incident.id}/comments", {"body": "hi"}),
        (oict, "/logout", {}),
        (admin, "/admin/users", {"user-username": "z", "user-role": "admin", "user-password": "p" * 12}),
        (admin, "/admin/users/web-oict/disable", {}),
        (admin, "/admin/tokens", {"token-username": "web-admin", "token-name": "t"}),
        (admin, "/admin/tokens/1/revoke", {}),
    ]
    for browser, path, data in posts:
        response = browser.post(path, data, csrf_page=None)
        assert response.status_code == 400, path
        assert "CSRF" in response.get_data(as_text=True), path
        bad = browser.post(path, {**data, "csrf_token": "forged"}, csrf_page=None)
        assert bad.status_code == 400, path
    assert (_count(Incident), _count(TimelineEvent), _count(User), _count(ApiToken), _count(AuditEntry)) == before
    assert oict.get("/").status_code == 200  # still logged in: logout was refused too
