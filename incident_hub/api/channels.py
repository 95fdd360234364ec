"""/api/v1/channels (admins): each unit's Microsoft Teams or Slack-compatible channel, a "send test",
and /api/v1/channels/failures: messages of every channel that failed for good (API.md "Notifications")."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import answers
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.services.notify import channels as service

blp = Blueprint("channels", __name__, description="Chat channels per unit (Teams, Slack/Mattermost); admins only")
blp.url_prefix_suffix = "/channels"


class ChannelCreate(Schema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=32))
    kind = fields.String(required=True)
    url = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    events = fields.List(fields.String(), required=True)
    active = fields.Boolean(load_default=True)


class ChannelPatch(Schema):
    unit = fields.String(validate=validate.Length(min=1, max=32))
    kind = fields.String()
    url = fields.String(validate=validate.Length(min=1, max=1000))
    events = fields.List(fields.String())
    active = fields.Boolean()


@blp.route("")
class Channels(MethodView):
    @require_roles(ADMIN)
    @answers(blp, out.Channels)
    def get(self) -> dict[str, Any]:
        """Every chat channel (the webhook URL is shown by host only: it is a credential)."""
        items = [service.channel_view(c) for c in service.list_channels()]
        return {"items": items, "total": len(items)}

    @require_roles(ADMIN)
    @blp.arguments(ChannelCreate)
    @answers(blp, out.ChannelOut, 201, created=True)
    def post(self, body: dict[str, Any]) -> ResponseReturnValue:
        """Add a unit's channel: `kind` teams (Workflows webhook, Adaptive Card) or slack (incoming webhook)."""
        channel = service.create_channel(current_principal().username, body)
        location = url_for("channels.Channel", channel_id=channel.id)
        return service.channel_view(channel), 201, {"Location": location}


@blp.route("/<int:channel_id>")
class Channel(MethodView):
    @require_roles(ADMIN)
    @answers(blp, out.ChannelOut)
    def get(self, channel_id: int) -> dict[str, Any]:
        """One channel."""
        return service.channel_view(service.get_channel(channel_id))

    @require_roles(ADMIN)
    @blp.arguments(ChannelPatch)
    @answers(blp, out.ChannelOut)
    def patch(self, changes: dict[str, Any], channel_id: int) -> dict[str, Any]:
        """Change a channel's unit, kind, URL, events or active flag."""
        return service.channel_view(service.update_channel(current_principal().username, channel_id, changes))

    @require_roles(ADMIN)
    @blp.response(204)
    def delete(self, channel_id: int) -> None:
        """Remove a channel (messages still waiting for it are cancelled)."""
        service.delete_channel(current_principal().username, channel_id)


@blp.route("/<int:channel_id>/test")
class ChannelTest(MethodView):
    @require_roles(ADMIN)
    @answers(blp, out.ChannelTestOut)
    def post(self, channel_id: int) -> dict[str, Any]:
        """Send a test message now; `delivered` and the receiver's status say how it went."""
        attempt = service.send_test(current_principal().username, channel_id)
        return {"delivered": attempt.delivered, "status_code": attempt.code, "error": attempt.error}


@blp.route("/failures")
class Failures(MethodView):
    @require_roles(ADMIN)
    @answers(blp, out.FailedDeliveries)
    def get(self) -> dict[str, Any]:
        """Messages (email, chat, webhook) that failed for good, newest first: never their content."""
        rows, total = service.failed_deliveries()
        return {"items": [service.delivery_view(m) for m in rows], "total": total}
