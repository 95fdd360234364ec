"""`/admin/sources`: intake sources (list, create, enable/disable, rotate the secret); admins only.

Uses services/sources.py. A new or rotated secret is shown once on the response page (201/200),
never flashed (flash messages live in the session cookie) and never stored in clear.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError
from incident_hub.intake.adapters import FORMATS
from incident_hub.services.intake import sources as svc
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import PostForm, RotateForm, SourceForm, opt
from incident_hub.web.support import apply_errors


def _form(bound: bool = True) -> SourceForm:
    form = SourceForm(prefix="source", **({} if bound else {"formdata": None}))
    form.format.choices = [opt(f) for f in FORMATS]
    return form


def _page(form: SourceForm, secret: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    views: list[dict[str, Any]] = [svc.source_view(s) for s in svc.list_sources()]
    page = render_template(
        "admin/sources.html",
        sources=views,
        form=form,
        post_form=PostForm(),
        rotate_form=RotateForm(prefix="rotate", formdata=None),
        secret=secret,
    )
    return page, status


@bp.get("/admin/sources")
@require_roles(ADMIN)
def admin_sources() -> ResponseReturnValue:
    return _page(_form(bound=False))


@bp.post("/admin/sources")
@require_roles(ADMIN)
def admin_source_create() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=422)
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
        apply_errors(form, exc)
        return _page(form, status=422)
    shown = {"what": f"Secret of source {source.name} (POST to /api/v1/intake/{source.name})", "value": secret}
    return _page(_form(bound=False), secret=shown, status=201)


@bp.post("/admin/sources/<int:source_id>/<any(disable, enable):change>")
@require_roles(ADMIN)
def admin_source_active(source_id: int, change: str) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("web.admin_sources"))
    source = svc.update_source(current_principal().username, source_id, {"enabled": change == "enable"})
    flash(_("Source %(name)s %(change)sd.", name=source.name, change=change), "ok")
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
        problems = [m for ms in exc.details.get("fields", {}).values() for m in ms]
        flash(" ".join([exc.message, *problems]), "error")
        return redirect(url_for("web.admin_sources"))
    shown = {"what": f"New secret of source {source.name} (old one valid {grace} h)", "value": secret}
    return _page(_form(bound=False), secret=shown)
