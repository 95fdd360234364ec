"""Post/redirect/get on every page form (issue 12 "Safety"), generated from the app's URL map: a POST
from a page — refused or accepted — answers with a redirect, never with a page, so a reload never
sends it again; the page it lands on (a refusal's included) is read twice and writes nothing.

A POST endpoint another change adds is checked too, with no exception: the sign-in steps and the
second factor's enrolment included (their refusals land back on their page, which keeps only the
username; the recovery codes are shown once, by the page the redirect lands on)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, Playbook, Source
from incident_hub.services.assessments.threats import add_measure, add_threat
from tests.factories import SYSTEM, make_incident, make_user
from tests.intake.factories import make_source
from tests.web.assess_data import joint_assessment_of, measure, threat
from tests.web.support import login

ADMIN_PATHS = ("/admin/", "/settings/password")


def _audit_count() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def _world() -> dict[str, Any]:
    incident = make_incident(hybrid=True)
    joint = joint_assessment_of(incident.id)
    t = add_threat(SYSTEM, joint.id, threat("physical", 3, 3, "Tailgating"))
    m = add_measure(SYSTEM, joint.id, t.id, measure("DSS", 1, 1))
    make_source("generic")
    other, _ = make_user("dss_officer", "DSS", "prg-other")
    return {
        "incident_id": incident.id,
        "object_type": "incident",
        "object_id": incident.id,
        "assessment_id": joint.id,
        "threat_id": t.id,
        "measure_id": m.id,
        "action_id": db.session.execute(select(Action.id).where(Action.incident_id == incident.id)).scalar(),
        "playbook_id": db.session.execute(select(Playbook.id)).scalar(),
        "source_id": db.session.execute(select(Source.id)).scalar(),
        "user_id": other.id,
        "username": other.username,
        "change": "disable",
        "token_id": 999_999,
        "channel_id": 999_999,
        "notification_id": 999_999,
        "finding_id": 999_999,
    }


def test_every_page_post_answers_with_a_redirect_and_its_page_reloads_without_writing(app):
    values = _world()
    oict, admin = login(app, "oict_responder", "OICT", "prg-oict"), login(app, "admin", None, "prg-admin")
    checked = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("web.") or "POST" not in (rule.methods or ()):
            continue
        path = re.sub(r"<any\(([a-z]+)[^>]*\):[a-z_]+>", lambda m: m.group(1), rule.rule)
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), path)
        browser = admin if path.startswith(ADMIN_PATHS) else oict
        if rule.endpoint == "web.logout":  # it ends the session it is sent in: a session of its own
            browser = login(app, "oict_responder", "OICT", "prg-leaving")
        response = browser.post(path, {})  # an empty form: refused by most, accepted by a few buttons
        # 403/404: this role may not, or the object is not there: an error page, never the form again
        assert response.status_code in (302, 303, 403, 404), (rule.endpoint, response.status_code)
        if response.status_code in (403, 404):
            continue
        landing = response.headers["Location"].split("#")[0]
        if not landing.startswith("/"):
            continue
        first = browser.get(landing)
        before = _audit_count()
        again = browser.get(landing)  # the reload
        assert first.status_code == again.status_code == 200, (rule.endpoint, landing, again.status_code)
        assert _audit_count() == before, (rule.endpoint, "a reload wrote something")
        checked.append(rule.endpoint)
    assert len(checked) > 35, checked
    assert {"web.login", "web.login_mfa", "web.settings_mfa", "web.logout"} <= set(checked)  # no exception


def test_a_refusal_keeps_what_was_typed_and_lands_on_the_error(oict):
    html_form = {"title": "", "description": "Badge readers at gate 4 accept any card", "severity": "high"}
    response = oict.post("/incidents/new", {**html_form, "tlp": "TLP:AMBER"}, csrf_page="/incidents/new")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/incidents/new?draft=")
    assert response.headers["Location"].endswith("#field-title")
    html = oict.text(response.headers["Location"].split("#")[0])
    assert "Badge readers at gate 4 accept any card" in html and 'id="title-error"' in html
