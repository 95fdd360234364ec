"""The periodic jobs: (name, interval in seconds, service function). Each is safe to run twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    seconds: int
    run: Callable[[], object]


def _sync_playbooks() -> object:
    from incident_hub.services.playbooks.sync import sync_playbooks

    return sync_playbooks("scheduler")


def _escalate_overdue() -> object:
    from incident_hub.services.actions.escalation import escalate_overdue

    return escalate_overdue()


def _deliver_webhooks() -> object:
    from incident_hub.services.outbox import deliver_due

    return deliver_due()


def jobs() -> list[Job]:
    from incident_hub.services.assessments.commands import flag_reviews_due
    from incident_hub.services.intake.sources import expire_delivery_keys

    return [
        Job("assessment_reviews_due", 300, flag_reviews_due),
        Job("playbooks.sync", 300, _sync_playbooks),
        Job("actions.escalate_overdue", 60, _escalate_overdue),
        Job("outbox.deliver", 30, _deliver_webhooks),
        Job("intake.expire_delivery_keys", 300, expire_delivery_keys),
    ]
