"""The retention purge (`RETENTION_DAYS`; what and why: domain/retention.py).

Each batch is one unit of work: it marks the rows purged (`purged_at`; a delivery's body emptied)
and appends what it removed to the audit chain, so `flask audit verify` keeps passing and the
chain says when and under which limit each thing went. Rows are claimed with
`UPDATE … WHERE purged_at IS NULL`, so two runs at once (a scheduler and the command line) never
purge or audit the same row twice. An attachment's bytes are removed from the store only after
the commit, and only when no row still needing them refers to their hash; a run that stopped in
between is caught up by the next (rows purged in the last RECHECK_FILES are looked at again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, union, update

from incident_hub.clock import to_iso
from incident_hub.domain.retention import RECENT_FILE, RECHECK_FILES, retention_cutoff
from incident_hub.extensions import db
from incident_hub.models import Alert, Attachment, Delivery, Incident
from incident_hub.runtime import now, settings
from incident_hub.services.evidence.attachments import attachment_record, attachment_store
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork, unit_of_work

BATCH = 500


@dataclass(frozen=True)
class PurgeReport:
    retention_days: int | None  # None: retention is off and nothing was looked at
    cutoff: datetime | None
    deliveries: int  # raw bodies emptied (with --dry-run: that would be)
    attachments: int  # attachment rows marked purged
    files_removed: int  # distinct stored files deleted from the attachment store


def _kept_deliveries(cutoff: datetime) -> Any:
    """Ids of deliveries whose alerts belong to an incident open, or closed after the cutoff."""
    live = select(Incident.id).where(
        or_(Incident.status != "closed", Incident.closed_at.is_(None), Incident.closed_at >= cutoff)
    )
    held = Alert.incident_id.in_(live)
    return union(
        select(Alert.first_delivery_id).where(held),
        select(Alert.last_delivery_id).where(held),
    )


def _expired_deliveries(cutoff: datetime) -> Select[tuple[int]]:
    return select(Delivery.id).where(
        Delivery.purged_at.is_(None),
        Delivery.received_at < cutoff,
        Delivery.id.not_in(_kept_deliveries(cutoff)),
    )


def _expired_attachments(cutoff: datetime) -> Select[tuple[Attachment]]:
    closed = select(Incident.id).where(Incident.status == "closed", Incident.closed_at < cutoff)
    return select(Attachment).where(Attachment.purged_at.is_(None), Attachment.incident_id.in_(closed))


def _claimed(uow: UnitOfWork, model: Any, ids: Sequence[int], **values: Any) -> list[int]:
    """Mark `ids` purged unless another run already did; the ids this run got."""
    result = uow.session.execute(
        update(model)
        .where(model.id.in_(ids), model.purged_at.is_(None))
        .values(purged_at=uow.now, **values)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


def _purge_deliveries(actor: str, days: int, cutoff: datetime) -> int:
    total = 0
    while True:
        with unit_of_work(actor) as uow:
            ids = list(
                uow.session.execute(_expired_deliveries(cutoff).order_by(Delivery.received_at).limit(BATCH)).scalars()
            )
            if not ids:
                return total
            done = _claimed(uow, Delivery, ids, body="")
            if done:
                uow.audit(
                    "delivery.purge",
                    "intake_delivery",
                    f"{done[0]}-{done[-1]}",
                    None,
                    {"ids": done, "retention_days": days, "cutoff": to_iso(cutoff), "reason": "retention"},
                )
        total += len(done)


def _purge_attachments(actor: str, days: int, cutoff: datetime) -> tuple[int, set[str]]:
    total, hashes = 0, set[str]()
    while True:
        with unit_of_work(actor) as uow:
            rows = list(
                uow.session.execute(_expired_attachments(cutoff).order_by(Attachment.id).limit(BATCH)).scalars()
            )
            if not rows:
                return total, hashes
            done = set(_claimed(uow, Attachment, [a.id for a in rows]))
            after = {
                "retention_days": days,
                "cutoff": to_iso(cutoff),
                "reason": "retention",
                "purged_at": to_iso(uow.now),
            }
            for a in (a for a in rows if a.id in done):
                uow.audit("attachment.purge", "attachment", a.id, attachment_record(a), after)
                if a.incident_id is not None and not a.detection:
                    text = f"File removed under the retention policy: {a.filename}"
                    add_event(uow, a.incident_id, "attachment", text, {"attachment_id": a.id, "reason": "retention"})
                hashes.add(a.sha256)
        total += len(done)


def _remove_unneeded_files(hashes: set[str], at: datetime) -> int:
    """Delete the stored bytes of `hashes` (and of rows purged lately) that no unpurged row needs."""
    recent = select(Attachment.sha256).where(Attachment.purged_at >= at - RECHECK_FILES).distinct()
    candidates = hashes | set(db.session.execute(recent).scalars())
    still_needed = (
        set(
            db.session.execute(
                select(Attachment.sha256).where(Attachment.sha256.in_(candidates), Attachment.purged_at.is_(None))
            ).scalars()
        )
        if candidates
        else set()
    )
    db.session.rollback()  # a read only: end it before the (slow) store calls
    store = attachment_store()
    return sum(store.remove(sha, at - RECENT_FILE) for sha in sorted(candidates - still_needed))


def purge_expired(actor: str = "scheduler") -> PurgeReport:
    """Periodic job and `flask retention purge`: purge what is past RETENTION_DAYS; safe to run twice."""
    days = settings().retention_days
    if days is None:
        return PurgeReport(None, None, 0, 0, 0)
    at = now()
    cutoff = retention_cutoff(at, days)
    deliveries = _purge_deliveries(actor, days, cutoff)
    attachments, hashes = _purge_attachments(actor, days, cutoff)
    files = _remove_unneeded_files(hashes, at)
    return PurgeReport(days, cutoff, deliveries, attachments, files)


def purge_preview() -> PurgeReport:
    """What `purge_expired` would purge now (`--dry-run`); files are not counted (0)."""
    days = settings().retention_days
    if days is None:
        return PurgeReport(None, None, 0, 0, 0)
    cutoff = retention_cutoff(now(), days)
    count = func.count()
    deliveries = db.session.execute(select(count).select_from(_expired_deliveries(cutoff).subquery())).scalar_one()
    attachments = db.session.execute(select(count).select_from(_expired_attachments(cutoff).subquery())).scalar_one()
    db.session.rollback()
    return PurgeReport(days, cutoff, int(deliveries), int(attachments), 0)
