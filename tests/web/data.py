"""Data for page, dashboard and report tests, made through the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from incident_hub.clock import utcnow
from incident_hub.models import Action
from incident_hub.services.actions.commands import new_action
from incident_hub.services.incidents.commands import transition_incident
from incident_hub.services.uow import unit_of_work
from tests.factories import PHYSICAL_ONLY_FACTS, SYSTEM, make_incident


def make_action(
    incident_id: int | None,
    owner_unit: str = "OICT",
    due_at: datetime | None = None,
    title: str = "Rotate credentials",
    mandate: str | None = None,
) -> Action:
    with unit_of_work("test") as uow:
        action = new_action(
            uow,
            title=title,
            phase="mitigation",
            owner_unit=owner_unit,
            mandate=mandate,
            due_at=due_at,
            incident_id=incident_id,
        )
    return action


def drop_playbook_actions() -> None:
    """Leave only the actions a test made itself (incidents also get their playbooks' actions)."""
    from sqlalchemy import delete

    from incident_hub.extensions import db
    from incident_hub.models import Action

    db.session.execute(delete(Action).where(Action.playbook_id.is_not(None)))
    db.session.commit()


def small_world() -> dict[str, int]:
    """2 hybrid (one acknowledged), 1 cyber-only (resolved), 1 physical-only; 3 actions (1 overdue)."""
    hybrid_a = make_incident(hybrid=True, severity="critical")
    hybrid_b = make_incident(hybrid=True, severity="high")
    cyber = make_incident(severity="medium")
    physical = make_incident(severity="low", **PHYSICAL_ONLY_FACTS)
    transition_incident(SYSTEM, hybrid_a.id, "acknowledged")
    transition_incident(SYSTEM, cyber.id, "acknowledged")
    transition_incident(SYSTEM, cyber.id, "resolved", "Service restored.")
    make_action(hybrid_a.id, "OICT", utcnow() - timedelta(hours=2), "Overdue step")
    make_action(hybrid_a.id, "DSS", utcnow() + timedelta(days=2), "Check the premises")
    make_action(cyber.id, "OICT", None, "Write lessons learned")
    drop_playbook_actions()
    return {"hybrid_a": hybrid_a.id, "hybrid_b": hybrid_b.id, "cyber": cyber.id, "physical": physical.id}
