"""`/admin/sources`: intake sources (list, create, enable/disable, rotate the secret); admins only.

Uses services/sources.py. Every POST answers with a redirect (post/redirect/get): a refused form
comes back at its error (web/drafts.py); a new or rotated secret reaches the next page once,
encrypted in the session (`reveal_once`), never flashed and never stored in clear.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError
from incident_hub.i18n import said, said_fields
from incident_hub.intake.adapters import FORMATS
from incident_hub.services.intake import sources as svc
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import form_or_new, refuse, reveal_once, take_revealed
from incident_hub.web.forms import PostForm, RotateForm, SourceForm, opt

KEY, PAGE = "admin:source", "admin/sources"


def _formats(form: SourceForm) -> SourceForm:
    form.format.choices = [opt(f) for f in FORMATS]
    return form


@bp.get("/admin/sources")
@require_roles(ADMIN)
def admin_sources() -> ResponseReturnValue:
    views: list[dict[str, Any]] = [svc.source_view(s) for s in svc.list_sources()]
    return render_template(
        "admin/sources.html",
        sources=views,
        form=_formats(form_or_new(SourceForm, KEY, prefix="source")),
        post_form=PostForm(),
        rotate_form=RotateForm(prefix="rotate", formdata=None),
        secret=take_revealed(PAGE),
    )


@bp.post("/admin/sources")
@require_roles(ADMIN)
def admin_source_create() -> ResponseReturnValue:
    form = _formats(SourceForm(prefix="source"))
    back = url_for("web.admin_sources")
    if not form.validate_on_submit():
        return refuse(form, KEY, back, "new-source")
    try:
        source, secret = svc.create_source(
            current_principal().username,
            form.name.data.strip(),
            form.format.data,
            None,
            True,
            form.rate_limit_per_minute.data,
        )
    except AppError as exc:
        return refuse(form, KEY, back, "new-source", exc)
    what = _("Secret of source %(name)s (POST to /api/v1/intake/%(name)s)", name=source.name)
    reveal_once(PAGE, what, secret)
    return redirect(f"{back}#secret")


@bp.post("/admin/sources/<int:source_id>/<any(disable, enable):change>")
@require_roles(ADMIN)
def admin_source_active(source_id: int, change: str) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("web.admin_sources"))
    source = svc.update_source(current_principal().username, source_id, {"enabled": change == "enable"})
    flash(
        _("Source %(name)s enabled.", name=source.name)
        if change == "enable"
        else _("Source %(name)s disabled.", name=source.name),
        "ok",
    )
    return redirect(url_for("web.admin_sources"))


@bp.post("/admin/sources/<int:source_id>/rotate")
@require_roles(ADMIN)
def admin_source_rotate(source_id: int) -> ResponseReturnValue:
    form = RotateForm(prefix="rotate")
    if not form.validate_on_submit():
        flash(_("Grace hours must be a whole number."), "error")
        return redirect(url_for("web.admin_sources"))
    grace = svc.DEFAULT_GRACE_HOURS if form.grace_hours.data is None else form.grace_hours.data
    try:
        source, secret = svc.rotate_source(current_principal().username, source_id, grace)
    except AppError as exc:
        if exc.status == 404:
            raise
        problems = [m for ms in said_fields(exc).values() for m in ms]
        flash(" ".join([said(exc), *problems]), "error")
        return redirect(url_for("web.admin_sources"))
    what = _("New secret of source %(name)s (the old one stays valid %(grace)s h)", name=source.name, grace=grace)
    reveal_once(PAGE, what, secret)
    return redirect(url_for("web.admin_sources") + "#secret")
