"""Pages for people in the loop (issue 14): `/notifications`, `/settings/notifications`,
`/admin/channels`, and the incident page's owner and follow forms. Views only parse the form and
call services/notify; every rule lives there and in domain/notifications.py."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.domain.notifications import CHAT_KINDS, EVENTS, PERSONAL_CHANNELS
from incident_hub.errors import AppError
from incident_hub.extensions import db
from incident_hub.i18n import said, said_fields
from incident_hub.models import User
from incident_hub.runtime import units
from incident_hub.services.incidents.commands import update_incident
from incident_hub.services.notify import channels as channel_svc
from incident_hub.services.notify import inbox
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import refuse_fields, refused_fields
from incident_hub.web.support import int_arg

EVENT_LABELS = {event: _l(rule.label) for event, rule in EVENTS.items()}


@bp.get("/notifications")
def notifications() -> ResponseReturnValue:
    principal, page = current_principal(), int_arg("page", 1)
    unread = request.args.get("unread") == "1"
    rows, total = inbox.list_notifications(principal, unread, page, 50)
    items = [inbox.notification_view(n) for n in rows]
    return render_template(
        "notifications/list.html", items=items, total=total, page=page, unread=unread, labels=EVENT_LABELS
    )


@bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id: int) -> ResponseReturnValue:
    n = inbox.mark_read(current_principal(), notification_id)
    if request.form.get("open") == "1":
        return redirect(n.url)
    return redirect(url_for("web.notifications"))


@bp.post("/notifications/read-all")
def notifications_read_all() -> ResponseReturnValue:
    count = inbox.mark_all_read(current_principal())
    flash(ngettext("%(num)s notification marked read.", "%(num)s notifications marked read.", count), "ok")
    return redirect(url_for("web.notifications"))


PREFS_KEY, CHANNEL_KEY = "settings:notifications", "admin:channel"


@bp.get("/settings/notifications")
def notification_settings() -> ResponseReturnValue:
    prefs = inbox.preferences(current_principal())
    values, errors = refused_fields(PREFS_KEY)
    if values:  # a refused save: what was ticked, as it was
        events = {e: [c for c in PERSONAL_CHANNELS if values.get(f"{e}:{c}") == "on"] for e in prefs["events"]}
        prefs = {**prefs, "events": events, "digest": values.get("digest", prefs["digest"])}
    return render_template("notifications/settings.html", prefs=prefs, labels=EVENT_LABELS, errors=errors)


@bp.post("/settings/notifications")
def notification_settings_save() -> ResponseReturnValue:
    events = {event: [c for c in PERSONAL_CHANNELS if request.form.get(f"{event}:{c}") == "on"] for event in EVENTS}
    try:
        inbox.set_preferences(current_principal(), events, request.form.get("digest", "off"))
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        return refuse_fields(
            PREFS_KEY, url_for("web.notification_settings"), "preferences", said_fields(exc) or {"": [said(exc)]}
        )
    flash(_("Notification preferences saved."), "ok")
    return redirect(url_for("web.notification_settings"))


@bp.get("/admin/channels")
@require_roles(ADMIN)
def admin_channels() -> ResponseReturnValue:
    rows, total = channel_svc.failed_deliveries(50)
    values, errors = refused_fields(CHANNEL_KEY)
    return render_template(
        "notifications/channels.html",
        channels=[channel_svc.channel_view(c) for c in channel_svc.list_channels()],
        failures=[channel_svc.delivery_view(m) for m in rows],
        failures_total=total,
        units=[u.code for u in units()],
        kinds=CHAT_KINDS,
        labels=EVENT_LABELS,
        errors=errors,
        values=values,
    )


@bp.post("/admin/channels")
@require_roles(ADMIN)
def admin_channel_create() -> ResponseReturnValue:
    values = {
        "unit": request.form.get("unit", ""),
        "kind": request.form.get("kind", ""),
        "url": request.form.get("url", "").strip(),
        "events": request.form.getlist("events"),
    }
    try:
        channel = channel_svc.create_channel(current_principal().username, values)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        errors = said_fields(exc) or {"url": [said(exc)]}
        return refuse_fields(CHANNEL_KEY, url_for("web.admin_channels"), "new-channel", errors, secret=("url",))
    flash(_("Channel %(id)s added for %(unit)s.", id=channel.id, unit=channel.unit), "ok")
    return redirect(url_for("web.admin_channels"))


@bp.post("/admin/channels/<int:channel_id>/test")
@require_roles(ADMIN)
def admin_channel_test(channel_id: int) -> ResponseReturnValue:
    attempt = channel_svc.send_test(current_principal().username, channel_id)
    if attempt.delivered:
        flash(_("Test message delivered (HTTP %(code)s).", code=attempt.code), "ok")
    else:
        message = _("Test message not delivered: %(code)s %(error)s", code=attempt.code or "", error=attempt.error)
        flash(message.strip(), "error")
    return redirect(url_for("web.admin_channels"))


@bp.post("/admin/channels/<int:channel_id>/<any(disable, enable):change>")
@require_roles(ADMIN)
def admin_channel_active(channel_id: int, change: str) -> ResponseReturnValue:
    channel_svc.update_channel(current_principal().username, channel_id, {"active": change == "enable"})
    flash(
        _("Channel %(channel_id)s enabled.", channel_id=channel_id)
        if change == "enable"
        else _("Channel %(channel_id)s disabled.", channel_id=channel_id),
        "ok",
    )
    return redirect(url_for("web.admin_channels"))


@bp.post("/admin/channels/<int:channel_id>/delete")
@require_roles(ADMIN)
def admin_channel_delete(channel_id: int) -> ResponseReturnValue:
    channel_svc.delete_channel(current_principal().username, channel_id)
    flash(_("Channel %(channel_id)s removed.", channel_id=channel_id), "ok")
    return redirect(url_for("web.admin_channels"))


@bp.post("/incidents/<int:incident_id>/follow")
def incident_follow(incident_id: int) -> ResponseReturnValue:
    on = request.form.get("follow") == "1"
    inbox.set_following(current_principal(), incident_id, on)
    flash(_("You follow this incident.") if on else "You no longer follow this incident.", "ok")
    return redirect(url_for("web.incident", incident_id=incident_id) + "#incident-people")


@bp.post("/incidents/<int:incident_id>/owner")
def incident_owner(incident_id: int) -> ResponseReturnValue:
    username = request.form.get("owner") or None
    try:
        update_incident(current_principal(), incident_id, {"owner": username})
    except AppError as exc:
        flash("; ".join(said_fields(exc).get("owner", [])) or said(exc), "error")
    else:
        flash(_("Owner: %(username)s.", username=username) if username else _("Owner removed."), "ok")
    return redirect(url_for("web.incident", incident_id=incident_id) + "#incident-people")


@bp.app_template_global()
def incident_people(incident_id: int, lead_unit: str) -> dict[str, Any]:
    """For the incident panel: followers, whether I follow, and who may be owner (the lead unit's active people)."""
    principal = current_principal()
    candidates = db.session.execute(
        select(User.username).where(User.unit == lead_unit, User.active.is_(True)).order_by(User.username)
    ).scalars()
    return {
        "followers": inbox.followers(principal, incident_id),
        "following": inbox.is_following(principal, incident_id),
        "candidates": list(candidates),
    }
