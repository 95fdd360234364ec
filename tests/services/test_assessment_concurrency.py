"""Two workers at once: the joint assessment of an R3 incident and a unit's sign-off happen once."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.domain.access import Principal
from incident_hub.errors import Conflict
from incident_hub.extensions import db
from incident_hub.models import Assessment, Signoff
from incident_hub.services.assessments.commands import create_assessment, sign_assessment
from incident_hub.services.assessments.threats import add_threat
from incident_hub.services.incidents.commands import update_incident
from tests.concurrency import run_together
from tests.factories import SYSTEM, make_incident, make_user


def test_two_reroutes_to_r3_at_once_make_one_joint_assessment(app):
    incident_id = make_incident().id  # R1: no assessment yet
    hybrid = {"effects": ["programme_disruption", "premises_security_gap"], "deliberate": True}
    results = run_together(app, lambda _: update_incident(SYSTEM, incident_id, hybrid).rule)
    assert all(r == "R3" or isinstance(r, Exception) for r in results), results
    assert "R3" in results
    count = db.session.execute(select(func.count()).where(Assessment.incident_id == incident_id)).scalar_one()
    assert count == 1


def test_a_unit_signs_once_even_when_two_of_its_users_sign_at_once(app):
    user1, _ = make_user("oict_responder", "OICT", "o-one")
    make_user("oict_responder", "OICT", "o-two")
    who = Principal(user1.id, "o-one", "oict_responder", "OICT")
    assessment_id = create_assessment(who, {"incident_id": None, "subject": "s", "title": "t"}).id
    add_threat(who, assessment_id, {"title": "t", "domain": "physical", "likelihood": 1, "impact": 1})
    results = run_together(app, lambda _: sign_assessment(who, assessment_id).id)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    assert all(not isinstance(r, Exception) or isinstance(r, Conflict) for r in results)
    assert db.session.execute(select(func.count()).select_from(Signoff)).scalar_one() == 1
