"""`/admin/users/<id>`: one account for admins — role and unit (checked as on creation, rule M1),
disable/enable, password reset — and `/settings/password`, where a person changes their own
password (forced after a reset: auth.py sends them there first).

Every POST answers with a redirect (post/redirect/get, so a reload never resets again); a refused
form comes back at its error (web/drafts.py, passwords never kept); the one-time password
travels to the next page encrypted in the session (`reveal_once`) and is removed from it as it is
shown: shown once, never readable in the cookie.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError, NotFound
from incident_hub.extensions import db
from incident_hub.i18n import said
from incident_hub.models import User
from incident_hub.runtime import units
from incident_hub.services.admin import accounts
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import refuse, restored, reveal_once, take_revealed
from incident_hub.web.forms import PasswordChangeForm, PostForm, UserEditForm, opt


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def _key(user_id: int) -> str:
    return f"admin:user:{user_id}"


def _page_key(user_id: int) -> str:
    return f"admin/users/{user_id}"


def _with_units(form: UserEditForm) -> UserEditForm:
    form.unit.choices = [opt("", "none"), *(opt(c) for c in units().codes())]
    return form


@bp.get("/admin/users/<int:user_id>")
@require_roles(ADMIN)
def admin_user(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    form = restored(UserEditForm, _key(user_id), prefix="edit") or UserEditForm(
        prefix="edit", formdata=None, role=user.role, unit=user.unit or ""
    )
    secret = take_revealed(_page_key(user_id))
    return render_template(
        "admin/user.html",
        user=user,
        form=_with_units(form),
        post_form=PostForm(),
        secret=secret["value"] if secret else None,
    )


@bp.post("/admin/users/<int:user_id>")
@require_roles(ADMIN)
def admin_user_edit(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    form = _with_units(UserEditForm(prefix="edit"))
    back = url_for("web.admin_user", user_id=user_id)
    if not form.validate_on_submit():
        return refuse(form, _key(user_id), back, "role-unit")
    p = current_principal()
    try:
        accounts.update_user(p.username, p.user_id, user_id, {"role": form.role.data, "unit": form.unit.data or None})
    except AppError as exc:
        return refuse(form, _key(user_id), back, "role-unit", exc)
    flash(_("User %(username)s updated.", username=user.username), "ok")
    return redirect(back)


@bp.post("/admin/users/<int:user_id>/<any(disable, enable):change>")
@require_roles(ADMIN)
def admin_user_toggle(user_id: int, change: str) -> ResponseReturnValue:
    if PostForm().validate_on_submit():
        p = current_principal()
        try:
            user = accounts.update_user(p.username, p.user_id, user_id, {"active": change == "enable"})
            name = user.username
            flash(
                _("User %(username)s enabled.", username=name)
                if change == "enable"
                else _("User %(username)s disabled.", username=name),
                "ok",
            )
        except AppError as exc:
            if exc.status == 404:
                raise
            flash(said(exc), "error")
    return redirect(url_for("web.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password-reset")
@require_roles(ADMIN)
def admin_user_password_reset(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    if not PostForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("web.admin_user", user_id=user_id))
    user, password = accounts.reset_password(current_principal().username, user_id)
    reveal_once(_page_key(user.id), user.username, password)
    return redirect(url_for("web.admin_user", user_id=user_id) + "#secret")


PASSWORD_KEY = "settings:password"


@bp.get("/settings/password")
def password_change() -> ResponseReturnValue:
    p = current_principal()
    form = restored(PasswordChangeForm, PASSWORD_KEY) or PasswordChangeForm(formdata=None)
    return render_template("settings/password.html", form=form, forced=_user(p.user_id).must_change_password)


@bp.post("/settings/password")
def password_save() -> ResponseReturnValue:
    p = current_principal()
    form = PasswordChangeForm()
    back = url_for("web.password_change")
    if not form.validate_on_submit():
        return refuse(form, PASSWORD_KEY, back, "password-form")
    try:
        user = accounts.change_password(
            p.username, p.user_id, form.current_password.data, form.new_password.data, form.new_password_again.data
        )
    except AppError as exc:
        return refuse(form, PASSWORD_KEY, back, "password-form", exc)
    session["sv"] = user.session_version  # this session stays; the others ended (auth.py)
    flash(_("Password changed."), "ok")
    return redirect(url_for("web.home"))
