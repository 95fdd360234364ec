"""Attachments on incidents, actions and assessments (DOMAIN.md "Evidence and sharing").

The view hands over a binary stream; this streams it to the store while hashing (store.py),
detects the type from the content (never the name), refuses a type on the deny list before
anything is kept, and records the row and an audit entry carrying the SHA-256 in one unit of
work. Need to know: an attachment marked `detection` is seen only by the cyber-cleared (OICT,
managers) and never leaves in an export; every other one is seen by whoever sees its parent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import filetype  # type: ignore[import-untyped]
from sqlalchemy import select

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal, sees_detection
from incident_hub.domain.evidence import executable_type, is_text, safe_filename
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Forbidden, NotFound, RuleViolation, ValidationError
from incident_hub.extensions import db
from incident_hub.models import Action, Attachment
from incident_hub.runtime import runtime, settings, units
from incident_hub.services.evidence.store import AttachmentStore, build_store, staged_upload
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import unit_of_work
from incident_hub.services.visibility import get_visible_incident

PARENTS = ("incident", "action", "assessment")
STORE_KEY = "attachment_store"
STALE_STAGING_SECONDS = 24 * 3600
# Served as themselves; anything else that a browser could run or render is sent as plain bytes.
INERT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv")


def make_store(setting: str | None, instance_path: str) -> AttachmentStore:
    """Built once by create_app; files a crashed upload left in staging are swept here."""
    store = build_store(setting, Path(instance_path))
    staging = store.staging_dir
    if staging.is_dir():
        for part in staging.glob("upload-*.part"):
            if part.stat().st_mtime < time.time() - STALE_STAGING_SECONDS:
                part.unlink(missing_ok=True)
    return store


def attachment_store() -> AttachmentStore:
    return runtime().caches[STORE_KEY]  # type: ignore[no-any-return]


def detect_type(head: bytes) -> str:
    """The MIME type from the first bytes: executables by our own table, then `filetype`, then text."""
    found = executable_type(head) or filetype.guess_mime(head)
    if found:
        return str(found)
    return "text/plain" if is_text(head) else "application/octet-stream"


def served_type(content_type: str) -> str:
    return content_type if content_type in INERT_TYPES else "application/octet-stream"


def parent_incident(principal: Principal, object_type: str, object_id: int) -> int | None:
    """404 unless `principal` sees the parent; its incident id (None for a premises assessment)."""
    if object_type == "incident":
        return get_visible_incident(principal, object_id).id
    if object_type == "action":
        from incident_hub.services.actions.queries import get_visible_action

        return get_visible_action(principal, object_id).incident_id
    if object_type == "assessment":
        from incident_hub.services.assessments.queries import get_visible_assessment

        return get_visible_assessment(principal, object_id).incident_id
    raise NotFound(f"No {object_type} {object_id}.")


def _check_detection_flag(principal: Principal, detection: bool) -> None:
    if detection and not sees_detection(principal, units()):
        raise ValidationError.for_fields(
            {"detection": ["only OICT and managers may mark evidence as detection (they alone would see it)"]}
        )


def add_attachment(
    principal: Principal,
    object_type: str,
    object_id: int,
    stream: IO[bytes],
    filename: str,
    detection: bool = False,
    description: str = "",
) -> Attachment:
    parent_incident(principal, object_type, object_id)
    _check_detection_flag(principal, detection)
    cfg = settings()
    store = attachment_store()
    db.session.rollback()  # end the read transaction before the (long) upload
    with staged_upload(stream, store.staging_dir, cfg.max_attachment_bytes) as staged:
        if staged.size == 0:
            raise ValidationError.for_fields({"file": ["the file is empty"]})
        content_type = detect_type(staged.head)
        if content_type in cfg.attachment_denied_types:
            raise RuleViolation(
                Text(N_("Files of type %(type)s are not accepted (detected from the content)."), type=content_type),
                {"rule": "attachment_type", "content_type": content_type},
            )
        store.keep(staged)
    with unit_of_work(principal.username) as uow:
        incident_id = parent_incident(principal, object_type, object_id)  # again, inside the transaction
        row = Attachment(
            object_type=object_type,
            object_id=object_id,
            incident_id=incident_id,
            filename=safe_filename(filename),
            size=staged.size,
            sha256=staged.sha256,
            content_type=content_type,
            detection=detection,
            description=description.strip(),
            created_at=uow.now,
            created_by=principal.username,
        )
        uow.session.add(row)
        uow.flush()
        uow.audit("attachment.create", "attachment", row.id, None, attachment_record(row))
        if incident_id is not None and not detection:
            add_event(uow, incident_id, "attachment", f"File attached: {row.filename}", {"attachment_id": row.id})
    return row


def attachment_record(a: Attachment) -> dict[str, Any]:
    """What the audit chain keeps of an attachment (the hash makes the file verifiable)."""
    return {
        "object_type": a.object_type,
        "object_id": a.object_id,
        "filename": a.filename,
        "size": a.size,
        "sha256": a.sha256,
        "content_type": a.content_type,
        "detection": a.detection,
    }


def attachment_view(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.id,
        **attachment_record(a),
        "description": a.description,
        "created_at": to_iso(a.created_at),
        "created_by": a.created_by,
        "purged_at": to_iso(a.purged_at),  # the bytes were removed under RETENTION_DAYS; the record stays
    }


def list_attachments(principal: Principal, object_type: str, object_id: int) -> list[Attachment]:
    parent_incident(principal, object_type, object_id)
    q = select(Attachment).where(
        Attachment.object_type == object_type, Attachment.object_id == object_id, Attachment.deleted_at.is_(None)
    )
    if not sees_detection(principal, units()):
        q = q.where(Attachment.detection.is_(False))
    return list(db.session.execute(q.order_by(Attachment.id)).scalars())


def get_visible_attachment(principal: Principal, attachment_id: int) -> Attachment:
    a = db.session.get(Attachment, attachment_id)
    if a is None or a.deleted_at is not None or (a.detection and not sees_detection(principal, units())):
        raise NotFound(Text(N_("No attachment %(id)s."), id=attachment_id))
    try:
        parent_incident(principal, a.object_type, a.object_id)
    except NotFound:
        raise NotFound(Text(N_("No attachment %(id)s."), id=attachment_id))
    return a


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    stream: IO[bytes]


def open_attachment(principal: Principal, attachment_id: int) -> Download:
    a = get_visible_attachment(principal, attachment_id)
    if a.purged_at is not None:
        raise NotFound(
            Text(
                N_(
                    "The file of attachment %(id)s was removed under the retention policy; "
                    "its record and SHA-256 remain."
                ),
                id=a.id,
            ),
            {"rule": "retention", "purged_at": to_iso(a.purged_at)},
        )
    return Download(a, attachment_store().open(a.sha256))


def delete_attachment(principal: Principal, attachment_id: int) -> None:
    """Soft: the row stays (with its hash, for the audit chain) but is no longer listed or served."""
    with unit_of_work(principal.username) as uow:
        a = get_visible_attachment(principal, attachment_id)
        if not (principal.is_manager or principal.username == a.created_by or sees_detection(principal, units())):
            raise Forbidden(Text(N_("Only who attached the file, OICT or a manager may delete it.")))
        a.deleted_at, a.deleted_by = uow.now, principal.username
        uow.audit("attachment.delete", "attachment", a.id, attachment_record(a), None)
        if a.incident_id is not None and not a.detection:
            add_event(uow, a.incident_id, "attachment", f"File removed: {a.filename}", {"attachment_id": a.id})


def evidence_of_action(principal: Principal, action_id: int, attachment_id: int, note: str) -> str:
    """The evidence text of an action marked done with one of its files (issue 16): the note, if
    any, then the file's name and SHA-256. 422 when the file is not one of the action's."""
    try:
        a = get_visible_attachment(principal, attachment_id)
    except NotFound:
        a = None
    if a is None or (a.object_type, a.object_id) != ("action", action_id):
        raise ValidationError.for_fields({"evidence_attachment_id": ["not a file attached to this action"]})
    reference = f"File {a.filename} (attachment {a.id}, SHA-256 {a.sha256})"
    return f"{note.strip()}\n{reference}" if note.strip() else reference


def done_with_file(principal: Principal, action_id: int, attachment_id: int, note: str = "") -> Action:
    """Mark an action done with one of its files as the evidence (the transition's rules all apply)."""
    from incident_hub.services.actions.commands import transition_action

    return transition_action(
        principal, action_id, "done", evidence_of_action(principal, action_id, attachment_id, note)
    )
