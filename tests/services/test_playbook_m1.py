"""Rule M1 on the creation paths: new_action, and playbooks whose units changed since they were stored."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from incident_hub.domain.units import Unit, UnitRegistry
from incident_hub.errors import MandateViolation
from incident_hub.extensions import db
from incident_hub.models import Action, TimelineEvent
from incident_hub.services.actions.commands import new_action
from incident_hub.services.playbooks.sync import sync_playbooks
from incident_hub.services.uow import unit_of_work
from tests.factories import make_incident


def test_new_action_refuses_cyber_work_for_dss(app):
    with pytest.raises(MandateViolation) as info, unit_of_work("test") as uow:
        new_action(uow, title="Patch", phase="mitigation", owner_unit="DSS", mandate="cyber", due_at=None)
    assert info.value.details["rule"] == "M1"
    assert db.session.execute(select(Action)).first() is None


def test_stored_playbook_breaking_m1_under_new_units_is_skipped_not_half_applied(app, monkeypatch):
    sync_playbooks("test")
    current = app.extensions["incident_hub"]
    # OICT loses `cyber` to a new unit CSIRT: stored playbooks giving OICT cyber steps break M1.
    units = UnitRegistry(
        [
            Unit("CSIRT", "Cyber response", frozenset({"cyber"})),
            Unit("OICT", "OICT", frozenset()),
            Unit("DSS", "DSS", frozenset({"physical_security"})),
        ]
    )
    monkeypatch.setitem(app.extensions, "incident_hub", replace(current, units=units))
    incident = make_incident(hybrid=True, severity="critical")
    assert incident.lead_unit == "CSIRT"
    assert db.session.execute(select(Action).where(Action.incident_id == incident.id)).first() is None
    kinds = db.session.execute(select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident.id)).scalars()
    assert "playbook_skipped" in list(kinds)
