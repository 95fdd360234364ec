"""Login, logout and the home page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from incident_hub.services.admin.users import authenticate_password
from incident_hub.web.blueprint import bp


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the login page cannot be used as an open redirect."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    next_url = request.args.get("next")
    if request.method == "GET":
        return render_template("login.html", form=form, error=None, next=next_url)
    if form.validate_on_submit():
        user = authenticate_password(form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(next_url))
        return render_template(
            "login.html", form=form, error=_("Unknown username or wrong password."), next=next_url
        ), 401
    if "csrf_token" in form.errors:
        return render_template(
            "login.html", form=form, error=_("The form expired; please try again."), next=next_url
        ), 400
    return render_template("login.html", form=form, error=_("Enter your username and password."), next=next_url), 422


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("web.login"))
