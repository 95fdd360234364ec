"""Action use cases. `new_action` is the one way an action is created (playbooks, assessment
measures, by hand): it applies the mandate guard M1 to the owner unit."""

from __future__ import annotations

from datetime import datetime

from incident_hub.domain.mandates import ensure_mandates
from incident_hub.errors import ValidationError
from incident_hub.models import Action
from incident_hub.runtime import units
from incident_hub.services.transaction import UnitOfWork

PHASES = ("prevention", "mitigation")


def new_action(
    uow: UnitOfWork,
    *,
    title: str,
    phase: str,
    owner_unit: str,
    mandate: str | None,
    due_at: datetime | None,
    incident_id: int | None = None,
    assessment_id: int | None = None,
    playbook_id: int | None = None,
    source_step: str | None = None,
    description: str = "",
) -> Action:
    """Create an action inside an open unit of work; refused under M1 if `owner_unit` lacks `mandate`."""
    if phase not in PHASES:
        raise ValidationError.for_fields({"phase": [f"must be one of {', '.join(PHASES)}"]})
    ensure_mandates(units(), owner_unit, [mandate] if mandate else [], f"owning the action {title!r}")
    action = Action(
        title=title,
        description=description,
        phase=phase,
        owner_unit=owner_unit,
        mandate=mandate,
        status="open",
        due_at=due_at,
        incident_id=incident_id,
        assessment_id=assessment_id,
        playbook_id=playbook_id,
        source_step=source_step,
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(action)
    uow.flush()
    uow.audit(
        "action.create",
        "action",
        action.id,
        None,
        {
            "title": title,
            "owner_unit": owner_unit,
            "mandate": mandate,
            "incident_id": incident_id,
            "assessment_id": assessment_id,
            "playbook_id": playbook_id,
            "source_step": source_step,
        },
    )
    return action
