"""`/admin/users`: users (list, create, disable/enable) and API tokens (create, revoke); admins only.

Every POST answers with a redirect (post/redirect/get): a refused form comes back at its error
(web/drafts.py); a generated password or a new token reaches the next page once, encrypted in the
session (`reveal_once`), never in clear in the cookie nor in a flash message.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError
from incident_hub.runtime import units
from incident_hub.services.admin import tokens as token_svc
from incident_hub.services.admin import users as svc
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import form_or_new, refuse, reveal_once, take_revealed
from incident_hub.web.forms import PostForm, TokenForm, UserForm, opt

USER_KEY, TOKEN_KEY = "admin:user", "admin:token"
PAGE = "admin/users"


def _choices(user_form: UserForm, token_form: TokenForm) -> tuple[UserForm, TokenForm]:
    user_form.unit.choices = [opt("", "none"), *(opt(c) for c in units().codes())]
    token_form.username.choices = [opt(u.username) for u in svc.list_users() if u.active]
    return user_form, token_form


@bp.get("/admin/users")
@require_roles(ADMIN)
def admin_users() -> ResponseReturnValue:
    user_form, token_form = _choices(
        form_or_new(UserForm, USER_KEY, prefix="user"), form_or_new(TokenForm, TOKEN_KEY, prefix="token")
    )
    return render_template(
        "admin/users.html",
        users=svc.list_users(),
        tokens=token_svc.list_tokens(),
        user_form=user_form,
        token_form=token_form,
        post_form=PostForm(),
        secret=take_revealed(PAGE),
    )


@bp.post("/admin/users")
@require_roles(ADMIN)
def admin_user_create() -> ResponseReturnValue:
    user_form, _token_form = _choices(UserForm(prefix="user"), TokenForm(prefix="token", formdata=None))
    back = url_for("web.admin_users")
    if not user_form.validate_on_submit():
        return refuse(user_form, USER_KEY, back, "new-user")
    password = user_form.password.data or svc.generate_password()
    try:
        user = svc.create_user(
            user_form.username.data.strip(),
            user_form.role.data,
            user_form.unit.data or None,
            password,
            actor=current_principal().username,
        )
    except AppError as exc:
        return refuse(user_form, USER_KEY, back, "new-user", exc)
    flash(_("User %(username)s created.", username=user.username), "ok")
    if not user_form.password.data:
        reveal_once(PAGE, _("Password of %(username)s", username=user.username), password)
        return redirect(f"{back}#secret")
    return redirect(back)


@bp.post("/admin/users/<username>/<any(disable, enable):change>")
@require_roles(ADMIN)
def admin_user_active(username: str, change: str) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
    else:
        svc.set_active(username, change == "enable", actor=current_principal().username)
        enabled = change == "enable"
        flash(
            _("User %(username)s enabled.", username=username)
            if enabled
            else _("User %(username)s disabled.", username=username),
            "ok",
        )
    return redirect(url_for("web.admin_users"))


@bp.post("/admin/tokens")
@require_roles(ADMIN)
def admin_token_create() -> ResponseReturnValue:
    _user_form, token_form = _choices(UserForm(prefix="user", formdata=None), TokenForm(prefix="token"))
    back = url_for("web.admin_users")
    if not token_form.validate_on_submit():
        return refuse(token_form, TOKEN_KEY, back, "new-token")
    try:
        _token, raw = token_svc.create_token(
            token_form.username.data, token_form.name.data.strip(), current_principal().username
        )
    except AppError as exc:
        return refuse(token_form, TOKEN_KEY, back, "new-token", exc)
    reveal_once(PAGE, _("API token for %(username)s", username=token_form.username.data), raw)
    return redirect(f"{back}#secret")


@bp.post("/admin/tokens/<int:token_id>/revoke")
@require_roles(ADMIN)
def admin_token_revoke(token_id: int) -> ResponseReturnValue:
    if PostForm().validate_on_submit():
        token = token_svc.revoke_token(token_id, actor=current_principal().username)
        flash(_("Token %(prefix)s… revoked.", prefix=token.prefix), "ok")
    return redirect(url_for("web.admin_users"))
