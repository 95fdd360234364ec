"""services/visibility.py says in SQL what domain/access.py says in Python: for every principal and
every kind of action and assessment, the rows the SQL returns are exactly those the rules admit."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from incident_hub.clock import utcnow
from incident_hub.domain.access import Principal, may_see_action, may_see_assessment, taking_part
from incident_hub.errors import RuleViolation
from incident_hub.extensions import db
from incident_hub.models import Action, Assessment, Incident
from incident_hub.runtime import units
from incident_hub.services.actions.commands import insert_action_once
from incident_hub.services.uow import unit_of_work
from incident_hub.services.visibility import visible_actions, visible_assessments
from tests.factories import PHYSICAL_ONLY_FACTS, SYSTEM, make_incident
from tests.web.assess_data import make_assessment

PRINCIPALS = [
    Principal(1, "o", "oict_responder", "OICT"),
    Principal(2, "d", "dss_officer", "DSS"),
    Principal(3, "m", "manager", None),
    Principal(4, "md", "manager", "DSS"),
    Principal(5, "n", "dss_officer", None),  # no unit: takes part in nothing (never "unit IS NULL")
]


def _raw_action(owner: str, incident_id: int | None, assessment_id: int | None) -> None:
    now = utcnow()
    db.session.execute(
        insert(Action).values(
            title=f"{owner} {incident_id} {assessment_id}",
            description="",
            phase="mitigation",
            owner_unit=owner,
            status="open",
            evidence="",
            blocked_reason="",
            incident_id=incident_id,
            assessment_id=assessment_id,
            created_at=now,
            updated_at=now,
        )
    )
    db.session.commit()


def _world() -> None:
    r1, r3 = make_incident(), make_incident(hybrid=True)
    r4 = make_incident(**PHYSICAL_ONLY_FACTS)
    subject = make_assessment()
    on_r1, on_r3 = make_assessment(incident_id=r1.id), make_assessment(incident_id=r3.id)
    for owner in ("OICT", "DSS"):
        for incident in (r1, r3, r4):
            _raw_action(owner, incident.id, None)
        for assessment in (subject, on_r1, on_r3):
            _raw_action(owner, None, assessment.id)
            _raw_action(owner, assessment.incident_id, assessment.id)
        _raw_action(owner, None, None)


def test_sql_visibility_equals_the_domain_rules(app):
    _world()
    incidents = {i.id: i for i in db.session.execute(select(Incident)).scalars()}
    assessments = {a.id: a for a in db.session.execute(select(Assessment)).scalars()}
    actions = list(db.session.execute(select(Action)).scalars())

    def units_of(incident_id: int | None) -> frozenset[str] | None:
        if incident_id is None:
            return None
        i = incidents[incident_id]
        return taking_part(i.lead_unit, i.partner_units, i.informed_units)

    for p in PRINCIPALS:
        seen_a = {a.id for a in assessments.values() if may_see_assessment(p, units_of(a.incident_id), units())}
        assert set(db.session.execute(visible_assessments(p).with_only_columns(Assessment.id)).scalars()) == seen_a
        expected = set()
        for a in actions:
            assessment_seen = None
            if a.assessment_id is not None:
                assessment_seen = a.assessment_id in seen_a
            if may_see_action(p, units(), a.owner_unit, units_of(a.incident_id), assessment_seen):
                expected.add(a.id)
        got = set(db.session.execute(visible_actions(p).with_only_columns(Action.id)).scalars())
        assert got == expected, p.username
    dss = PRINCIPALS[1]
    assert 0 < len(set(db.session.execute(visible_actions(dss).with_only_columns(Action.id)).scalars())) < len(actions)


def test_a_playbook_step_for_a_unit_outside_the_incident_is_refused(app):
    incident = make_incident()  # R1: OICT alone
    with pytest.raises(RuleViolation) as exc, unit_of_work(SYSTEM.username) as uow:
        insert_action_once(
            uow, title="Post guards", phase="mitigation", owner_unit="DSS", incident_id=incident.id, source_step="x"
        )
    assert exc.value.details["rule"] == "need_to_know"
