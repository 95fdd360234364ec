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


def _remind_due_soon() -> object:
    from incident_hub.services.actions.escalation import remind_due_soon

    return remind_due_soon()


def _remind_joint_due() -> object:
    from incident_hub.services.assessments.joint import remind_joint_due

    return remind_joint_due()


def _send_digests() -> object:
    from incident_hub.services.notify.digest import send_digests

    return send_digests()


def _purge_expired() -> object:
    from incident_hub.services.operations.retention import purge_expired

    return purge_expired()


def jobs() -> list[Job]:
    from incident_hub.services.assessments.commands import flag_reviews_due
    from incident_hub.services.drafts import purge_expired_drafts
    from incident_hub.services.intake.sources import expire_delivery_keys

    return [
        Job("assessment_reviews_due", 300, flag_reviews_due),
        Job("playbooks.sync", 300, _sync_playbooks),
        Job("actions.escalate_overdue", 60, _escalate_overdue),
        Job("outbox.deliver", 30, _deliver_webhooks),
        Job("actions.remind_due_soon", 300, _remind_due_soon),
        Job("assessments.remind_joint_due", 300, _remind_joint_due),
        Job("notifications.hourly_digest", 3600, _send_digests),
        Job("intake.expire_delivery_keys", 300, expire_delivery_keys),
        Job("retention.purge", 3600, _purge_expired),  # does nothing unless RETENTION_DAYS is set
        Job("drafts.purge_expired", 900, purge_expired_drafts),  # refused forms' drafts, past their hour
    ]
