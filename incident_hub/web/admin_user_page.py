"""`/admin/users/<id>`: one account for admins — role and unit (checked as on creation, rule M1),
disable/enable, password reset — and `/settings/password`, where a person changes their own
password (forced after a reset: auth.py sends them there first).

The reset answers with a redirect (post/redirect/get, so a reload never resets again); the
one-time password travels to the next page encrypted (Fernet, key from SECRET_KEY) in the
session and is removed from it as it is shown: shown once, never readable in the cookie.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError, NotFound
from incident_hub.extensions import db
from incident_hub.intake.secrets import decrypt_secret, encrypt_secret
from incident_hub.models import User
from incident_hub.runtime import settings, units
from incident_hub.services.admin import accounts
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import PasswordChangeForm, PostForm, UserEditForm, opt
from incident_hub.web.support import apply_errors

REVEAL = "one_time_password"


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def _form(user: User, bound: bool = False) -> UserEditForm:
    form = UserEditForm(
        prefix="edit", **({} if bound else {"formdata": None, "role": user.role, "unit": user.unit or ""})
    )
    form.unit.choices = [opt("", "none"), *(opt(c) for c in units().codes())]
    return form


def _page(user: User, form: UserEditForm, secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template("admin/user.html", user=user, form=form, post_form=PostForm(), secret=secret),
        status,
    )


@bp.get("/admin/users/<int:user_id>")
@require_roles(ADMIN)
def admin_user(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    return _page(user, _form(user), secret=_take_secret(user_id))


@bp.post("/admin/users/<int:user_id>")
@require_roles(ADMIN)
def admin_user_edit(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    form = _form(user, bound=True)
    if not form.validate_on_submit():
        return _page(user, form, status=422)
    p = current_principal()
    try:
        accounts.update_user(p.username, p.user_id, user_id, {"role": form.role.data, "unit": form.unit.data or None})
    except AppError as exc:
        if exc.status == 404:
            raise
        apply_errors(form, exc)
        return _page(_user(user_id), form, status=422)
    flash(f"User {user.username} updated.", "ok")
    return redirect(url_for("web.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/<any(disable, enable):change>")
@require_roles(ADMIN)
def admin_user_toggle(user_id: int, change: str) -> ResponseReturnValue:
    if PostForm().validate_on_submit():
        p = current_principal()
        try:
            user = accounts.update_user(p.username, p.user_id, user_id, {"active": change == "enable"})
            flash(f"User {user.username} {change}d.", "ok")
        except AppError as exc:
            if exc.status == 404:
                raise
            flash(exc.message, "error")
    return redirect(url_for("web.admin_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password-reset")
@require_roles(ADMIN)
def admin_user_password_reset(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    if not PostForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("web.admin_user", user_id=user_id))
    user, password = accounts.reset_password(current_principal().username, user_id)
    session[REVEAL] = {"user_id": user.id, "value": encrypt_secret(settings().secret_key, password)}
    return redirect(url_for("web.admin_user", user_id=user_id) + "#secret")


def _take_secret(user_id: int) -> str | None:
    """The one-time password stashed by the reset, once."""
    stash = session.pop(REVEAL, None)
    if not isinstance(stash, dict) or stash.get("user_id") != user_id:
        return None
    return decrypt_secret(settings().secret_key, str(stash.get("value", "")))


@bp.route("/settings/password", methods=["GET", "POST"])
def password_change() -> ResponseReturnValue:
    p = current_principal()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_password(
                p.username, p.user_id, form.current_password.data, form.new_password.data, form.new_password_again.data
            )
        except AppError as exc:
            apply_errors(form, exc)
        else:
            session["sv"] = user.session_version  # this session stays; the others ended (auth.py)
            flash("Password changed.", "ok")
            return redirect(url_for("web.home"))
    forced = _user(p.user_id).must_change_password
    return render_template("settings/password.html", form=form, forced=forced), 422 if form.is_submitted() else 200
