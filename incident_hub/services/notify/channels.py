"""Chat channels per unit, managed by admins (`/admin/channels`, `/api/v1/channels`), and the view
of failed deliveries admins watch (every channel of the outbox, email and webhook included)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from incident_hub.clock import to_iso
from incident_hub.domain.notifications import CHAT_KINDS, EVENTS
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import NotFound, ValidationError
from incident_hub.extensions import db
from incident_hub.models import ChatChannel, OutboxMessage
from incident_hub.runtime import settings, units
from incident_hub.services.notify.attempt import Attempt
from incident_hub.services.notify.chat import post_json, test_payload
from incident_hub.services.uow import unit_of_work

FIELDS = ("unit", "kind", "url", "events", "active")


def _check(values: dict[str, Any]) -> None:
    errors: dict[str, list[str | Text]] = {}
    if "unit" in values and values["unit"] not in units():
        errors["unit"] = [Text(N_("unknown unit %(unit)s"), unit=repr(values["unit"]))]
    if "kind" in values and values["kind"] not in CHAT_KINDS:
        errors["kind"] = [Text(N_("must be one of %(codes)s"), codes=", ".join(CHAT_KINDS))]
    if "url" in values:
        url = urlsplit(values["url"])
        plain_http_ok = settings().env != "production"
        if url.scheme not in (("https", "http") if plain_http_ok else ("https",)) or not url.netloc:
            errors["url"] = [Text(N_("must be an https:// webhook URL"))]
    if "events" in values:
        unknown = [e for e in values["events"] if e not in EVENTS]
        if unknown or not values["events"]:
            errors["events"] = [Text(N_("a non-empty list of events among %(codes)s"), codes=", ".join(EVENTS))]
    if errors:
        raise ValidationError.for_fields(errors)


def channel_view(c: ChatChannel) -> dict[str, Any]:
    """The URL is a credential (anyone holding it may post): only its host is shown back."""
    return {
        "id": c.id,
        "unit": c.unit,
        "kind": c.kind,
        "url_host": urlsplit(c.url).netloc,
        "events": list(c.events),
        "active": c.active,
        "created_at": to_iso(c.created_at),
        "updated_at": to_iso(c.updated_at),
    }


def _audit_view(c: ChatChannel) -> dict[str, Any]:
    view = channel_view(c)
    view.pop("created_at"), view.pop("updated_at")
    return view


def list_channels() -> list[ChatChannel]:
    return list(db.session.execute(select(ChatChannel).order_by(ChatChannel.unit, ChatChannel.id)).scalars())


def get_channel(channel_id: int) -> ChatChannel:
    channel = db.session.get(ChatChannel, channel_id)
    if channel is None:
        raise NotFound(Text(N_("No channel %(id)s."), id=channel_id))
    return channel


def create_channel(actor: str, values: dict[str, Any]) -> ChatChannel:
    _check(values)
    with unit_of_work(actor) as uow:
        channel = ChatChannel(
            unit=values["unit"],
            kind=values["kind"],
            url=values["url"],
            events=list(dict.fromkeys(values["events"])),
            active=values.get("active", True),
            created_at=uow.now,
            updated_at=uow.now,
        )
        uow.session.add(channel)
        uow.flush()
        uow.audit("channel.create", "channel", channel.id, None, _audit_view(channel))
    return channel


def update_channel(actor: str, channel_id: int, changes: dict[str, Any]) -> ChatChannel:
    _check(changes)
    with unit_of_work(actor) as uow:
        channel = get_channel(channel_id)
        before = _audit_view(channel)
        for name in FIELDS:
            if name in changes:
                setattr(channel, name, changes[name])
        channel.updated_at = uow.now
        uow.audit("channel.update", "channel", channel.id, before, _audit_view(channel))
    return channel


def delete_channel(actor: str, channel_id: int) -> None:
    with unit_of_work(actor) as uow:
        channel = get_channel(channel_id)
        uow.audit("channel.delete", "channel", channel.id, _audit_view(channel), None)
        uow.session.delete(channel)


def send_test(actor: str, channel_id: int) -> Attempt:
    """The "send test" button: posts a test message now and says what the receiver answered."""
    channel = get_channel(channel_id)
    url, body = channel.url, test_payload(channel.kind, channel.unit)
    db.session.rollback()  # no transaction held open during the HTTP call
    attempt = post_json(url, body)
    with unit_of_work(actor) as uow:
        uow.audit("channel.test", "channel", channel_id, None, {"delivered": attempt.delivered, "code": attempt.code})
    return attempt


def failed_deliveries(limit: int = 100) -> tuple[list[OutboxMessage], int]:
    """Messages that failed for good, newest first, and how many there are (admins only)."""
    q = select(OutboxMessage).where(OutboxMessage.status == "failed")
    total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = db.session.execute(q.order_by(OutboxMessage.id.desc()).limit(limit)).scalars()
    return list(rows), total


def delivery_view(m: OutboxMessage) -> dict[str, Any]:
    """A failure as admins see it: never the body, and an email address or webhook only by host."""
    target = m.url.split("@", 1)[-1] if m.url.startswith("mailto:") else urlsplit(m.url).netloc
    return {
        "id": m.id,
        "channel": m.channel,
        "event": m.kind,
        "target": target,
        "attempts": m.attempts,
        "last_status_code": m.last_status_code,
        "last_error": m.last_error,
        "created_at": to_iso(m.created_at),
    }
