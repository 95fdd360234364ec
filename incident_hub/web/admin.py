"""`/admin/users`: users (list, create, disable/enable) and API tokens (create, revoke); admins only.

A generated password or a new token is shown once on the response page, never put in the
session (flash messages live in the cookie).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError, Conflict, ValidationError
from incident_hub.runtime import units
from incident_hub.services.admin import tokens as token_svc
from incident_hub.services.admin import users as svc
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import PostForm, TokenForm, UserForm, opt
from incident_hub.web.support import apply_errors


def _forms(bind: bool = True) -> tuple[UserForm, TokenForm]:
    """The two forms; `bind=False` gives empty ones (after a success)."""
    extra = {} if bind else {"formdata": None}
    user_form, token_form = UserForm(prefix="user", **extra), TokenForm(prefix="token", **extra)
    user_form.unit.choices = [opt("", "none"), *(opt(c) for c in units().codes())]
    token_form.username.choices = [opt(u.username) for u in svc.list_users() if u.active]
    return user_form, token_form


def _page(
    user_form: UserForm, token_form: TokenForm, secret: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "admin/users.html",
            users=svc.list_users(),
            tokens=token_svc.list_tokens(),
            user_form=user_form,
            token_form=token_form,
            post_form=PostForm(),
            secret=secret,
        ),
        status,
    )


@bp.get("/admin/users")
@require_roles(ADMIN)
def admin_users() -> ResponseReturnValue:
    return _page(*_forms())


@bp.post("/admin/users")
@require_roles(ADMIN)
def admin_user_create() -> ResponseReturnValue:
    user_form, token_form = _forms()
    if not user_form.validate_on_submit():
        return _page(user_form, token_form, status=422)
    password = user_form.password.data or svc.generate_password()
    try:
        user = svc.create_user(
            user_form.username.data.strip(),
            user_form.role.data,
            user_form.unit.data or None,
            password,
            actor=current_principal().username,
        )
    except (ValidationError, Conflict) as exc:
        apply_errors(user_form, exc)
        return _page(user_form, token_form, status=422)
    secret = None if user_form.password.data else {"what": f"Password of {user.username}", "value": password}
    return _page(*_forms(bind=False), secret=secret, status=201)


@bp.post("/admin/users/<username>/<any(disable, enable):change>")
@require_roles(ADMIN)
def admin_user_active(username: str, change: str) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
    else:
        svc.set_active(username, change == "enable", actor=current_principal().username)
        flash(_("User %(username)s %(change)sd.", username=username, change=change), "ok")
    return redirect(url_for("web.admin_users"))


@bp.post("/admin/tokens")
@require_roles(ADMIN)
def admin_token_create() -> ResponseReturnValue:
    user_form, token_form = _forms()
    if not token_form.validate_on_submit():
        return _page(user_form, token_form, status=422)
    try:
        _, raw = token_svc.create_token(
            token_form.username.data, token_form.name.data.strip(), current_principal().username
        )
    except AppError as exc:
        apply_errors(token_form, exc)
        return _page(user_form, token_form, status=422)
    secret = {"what": f"API token for {token_form.username.data}", "value": raw}
    return _page(*_forms(bind=False), secret=secret, status=201)


@bp.post("/admin/tokens/<int:token_id>/revoke")
@require_roles(ADMIN)
def admin_token_revoke(token_id: int) -> ResponseReturnValue:
    if PostForm().validate_on_submit():
        token = token_svc.revoke_token(token_id, actor=current_principal().username)
        flash(_("Token %(prefix)s… revoked.", prefix=token.prefix), "ok")
    return redirect(url_for("web.admin_users"))
