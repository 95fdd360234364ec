"""/api/v1/notifications and /api/v1/me/notification-preferences (API.md "Notifications")."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import answers
from incident_hub.api.pagination import PageArgs, page_body
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import current_principal
from incident_hub.domain.notifications import DIGESTS
from incident_hub.services.notify import inbox

blp = Blueprint("notifications", __name__, description="In-app notifications and notification preferences")
blp.url_prefix_suffix = ""


class ListArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class PreferencesBody(Schema):
    events = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    digest = fields.String(load_default="off", validate=validate.OneOf(DIGESTS))


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.arguments(ListArgs, location="query")
    @answers(blp, out.NotificationPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """My notifications, newest first (`?unread=true` for the unread ones)."""
        rows, total = inbox.list_notifications(current_principal(), args["unread"], args["page"], args["per_page"])
        return page_body([inbox.notification_view(n) for n in rows], total, args["page"], args["per_page"])


@blp.route("/notifications/unread-count")
class UnreadCount(MethodView):
    @answers(blp, out.CountOut)
    def get(self) -> dict[str, Any]:
        """How many of my notifications are unread (the bell polls this)."""
        return {"count": inbox.unread_count(current_principal())}


@blp.route("/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @answers(blp, out.NotificationOut)
    def post(self, notification_id: int) -> dict[str, Any]:
        """Mark one notification read."""
        return inbox.notification_view(inbox.mark_read(current_principal(), notification_id))


@blp.route("/notifications/read-all")
class MarkAllRead(MethodView):
    @answers(blp, out.MarkedOut)
    def post(self) -> dict[str, Any]:
        """Mark all my notifications read."""
        return {"marked": inbox.mark_all_read(current_principal())}


@blp.route("/me/notification-preferences")
class Preferences(MethodView):
    @answers(blp, out.PreferencesOut)
    def get(self) -> dict[str, Any]:
        """My channels per event (defaults filled in), digest and language."""
        return inbox.preferences(current_principal())

    @blp.arguments(PreferencesBody)
    @answers(blp, out.PreferencesOut)
    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set channels per event (`in_app` is always on) and the digest (`off` | `hourly`)."""
        return inbox.set_preferences(current_principal(), body["events"], body["digest"])


@blp.route("/incidents/<int:incident_id>/followers")
class Followers(MethodView):
    @answers(blp, out.Followers)
    def get(self, incident_id: int) -> dict[str, Any]:
        """Who follows an incident (404 when the caller may not see it)."""
        items = inbox.followers(current_principal(), incident_id)
        return {"items": items, "total": len(items)}


@blp.route("/incidents/<int:incident_id>/followers/me")
class FollowMe(MethodView):
    @blp.response(204)
    def post(self, incident_id: int) -> None:
        """Follow an incident."""
        inbox.set_following(current_principal(), incident_id, True)

    @blp.response(204)
    def delete(self, incident_id: int) -> None:
        """Stop following an incident."""
        inbox.set_following(current_principal(), incident_id, False)
