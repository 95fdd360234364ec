"""Assessment services on both databases: the automatic R3 joint assessment (once), rerouting,
the review-due job (idempotent), and the configurable matrix."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from incident_hub.clock import utcnow
from incident_hub.domain.risk import UNACCEPTABLE
from incident_hub.extensions import db
from incident_hub.models import Assessment, AssessmentVersion, AuditEntry, TimelineEvent
from incident_hub.risk_config import load_risk_matrix
from incident_hub.runtime import EXTENSION_KEY
from incident_hub.scheduler.jobs import jobs
from incident_hub.services.assessments.commands import create_assessment, ensure_joint_assessment, flag_reviews_due
from incident_hub.services.incidents.commands import update_incident
from incident_hub.services.uow import unit_of_work
from incident_hub.settings import SettingsError
from tests.assessment_factories import PREFIX
from tests.conftest import make_settings
from tests.factories import SYSTEM, make_incident

pytestmark = pytest.mark.usefixtures("app")


def assessments_of(incident_id: int) -> list[Assessment]:
    return list(db.session.execute(select(Assessment).where(Assessment.incident_id == incident_id)).scalars())


def test_an_r3_incident_gets_one_joint_assessment_in_the_same_transaction():
    incident = make_incident(hybrid=True)
    assert incident.rule == "R3" and incident.joint_assessment_due_at is not None
    (a,) = assessments_of(incident.id)
    assert a.joint and a.auto_for_incident_id == incident.id and a.current_version == 1
    events = db.session.execute(select(TimelineEvent.body).where(TimelineEvent.incident_id == incident.id)).scalars()
    assert any("opened automatically (R3)" in body for body in events)


@pytest.mark.parametrize("hybrid", [False])
def test_other_rules_get_no_automatic_assessment(hybrid):
    assert assessments_of(make_incident(hybrid=hybrid).id) == []
    assert assessments_of(make_incident(vectors=["digital"], effects=["premises_security_gap"]).id) == []  # R2


def test_reclassification_never_duplicates_and_keeps_joint_in_step():
    incident = make_incident(hybrid=True)
    steps = [
        ({"deliberate": None}, "R2", True),  # hybrid unknown: R2, still joint
        ({"deliberate": True}, "R3", True),
        ({"effects": ["service_outage"]}, "R1", False),  # no longer joint
        ({"effects": ["programme_disruption", "premises_security_gap"]}, "R3", True),
    ]
    for changes, rule, joint in steps:
        incident = update_incident(SYSTEM, incident.id, changes)
        assert incident.rule == rule
        (a,) = assessments_of(incident.id)
        assert a.joint is joint, rule
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.action == "assessment.joint")).scalars()
    assert len(list(actions)) == 2


def test_the_unique_constraint_decides_not_the_check():
    incident = make_incident(hybrid=True)
    (a,) = assessments_of(incident.id)
    with unit_of_work("test") as uow:  # hide it from the quick check: the insert must still do nothing
        uow.session.get(Assessment, a.id).joint = False
        assert ensure_joint_assessment(uow, uow.session.get(type(incident), incident.id)) is None
    assert len(assessments_of(incident.id)) == 1
    with pytest.raises(IntegrityError), unit_of_work("test") as uow:
        now = utcnow()
        uow.session.add(
            Assessment(
                incident_id=incident.id,
                auto_for_incident_id=incident.id,
                subject="",
                joint=True,
                current_version=1,
                created_by="x",
                created_at=now,
                updated_at=now,
            )
        )
        uow.flush()


def test_manual_assessments_may_coexist_with_the_automatic_one():
    incident = make_incident(hybrid=True)
    create_assessment(SYSTEM, {"incident_id": incident.id, "title": "Annex lifts", "subject": "Annex"})
    assert sorted(a.auto_for_incident_id is not None for a in assessments_of(incident.id)) == [False, True]


def test_review_flagging_is_idempotent(as_oict):
    past = (utcnow() - timedelta(days=1)).isoformat()
    future = (utcnow() + timedelta(days=30)).isoformat()
    incident = make_incident()
    due = as_oict.post(PREFIX, json={"incident_id": incident.id, "title": "due", "review_due_at": past}).get_json()
    as_oict.post(PREFIX, json={"subject": "s", "title": "later", "review_due_at": future})
    as_oict.post(PREFIX, json={"subject": "s", "title": "never"})
    assert flag_reviews_due() == 1
    assert flag_reviews_due() == 0  # safe to run twice
    body = as_oict.get(f"{PREFIX}/{due['id']}").get_json()
    assert body["review_due"] is True and body["review_flagged_at"]
    events = list(
        db.session.execute(
            select(TimelineEvent.body).where(
                TimelineEvent.incident_id == incident.id, TimelineEvent.body.like("Review of%")
            )
        ).scalars()
    )
    assert len(events) == 1
    audits = db.session.execute(select(func.count()).where(AuditEntry.action == "assessment.review_due")).scalar_one()
    assert audits == 1
    # A new review date clears the flag; once it passes, it is flagged again (once).
    as_oict.patch(f"{PREFIX}/{due['id']}", json={"review_due_at": past.replace("+00:00", "Z")[:19] + "Z"})
    assert as_oict.get(f"{PREFIX}/{due['id']}").get_json()["review_flagged_at"] is None
    assert flag_reviews_due() == 1 and flag_reviews_due() == 0


def test_frozen_versions_are_not_flagged(as_oict):
    past = (utcnow() - timedelta(days=1)).isoformat()
    a = as_oict.post(PREFIX, json={"subject": "s", "title": "t", "review_due_at": past}).get_json()
    as_oict.post(f"{PREFIX}/{a['id']}/versions", json={"review_due_at": None})
    assert flag_reviews_due() == 0
    rows = db.session.execute(select(AssessmentVersion.review_flagged_at)).scalars().all()
    assert rows == [None, None]


def test_the_review_job_is_registered():
    (job,) = [j for j in jobs() if j.name == "assessment_reviews_due"]
    assert job.run is flag_reviews_due and 60 <= job.seconds <= 3600


def test_matrix_overrides_from_a_file(tmp_path):
    path = tmp_path / "risk.toml"
    path.write_text('[[override]]\nlikelihood = 5\nimpact = 5\nlevel = "unacceptable"\n')
    matrix = load_risk_matrix(make_settings(None, extra={"risk_matrix_file": str(path)}))
    assert matrix.level(5, 5) == UNACCEPTABLE and matrix.level(4, 5) == "very_high"
    assert (
        load_risk_matrix(make_settings(None, extra={"risk_matrix_file": str(tmp_path / "none.toml")})).level(5, 5)
        == "very_high"
    )


@pytest.mark.parametrize(
    "text",
    ["not toml [", "[[override]]\nlikelihood = 5\n", '[[override]]\nlikelihood = 1\nimpact = 1\nlevel = "high"\n'],
)
def test_a_bad_matrix_file_is_refused_naming_it(tmp_path, text):
    path = tmp_path / "risk.toml"
    path.write_text(text)
    with pytest.raises(SettingsError) as caught:
        load_risk_matrix(make_settings(None, extra={"risk_matrix_file": str(path)}))
    assert str(path) in str(caught.value)


def test_the_shipped_matrix_file_is_valid():
    assert load_risk_matrix(make_settings(None)).level(5, 5) == "very_high"


def test_the_api_uses_the_configured_matrix(app, as_oict, monkeypatch):
    matrix = load_risk_matrix(make_settings(None, extra={"risk_matrix_overrides": [(5, 5, UNACCEPTABLE)]}))
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, replace(app.extensions[EXTENSION_KEY], risk_matrix=matrix))
    a = as_oict.post(PREFIX, json={"subject": "s", "title": "t"}).get_json()
    body = {"title": "t", "domain": "physical", "likelihood": 5, "impact": 5}
    assert as_oict.post(f"{PREFIX}/{a['id']}/threats", json=body).get_json()["risk_level"] == UNACCEPTABLE
