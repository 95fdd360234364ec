"""Login, logout and the home page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from incident_hub.auth import end_session, safe_next, start_session
from incident_hub.runtime import settings
from incident_hub.services.admin.users import authenticate_password
from incident_hub.web.blueprint import bp


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _page(form: LoginForm, error: str | None, next_url: str | None, status: int = 200) -> ResponseReturnValue:
    config = settings()
    return (
        render_template(
            "login.html",
            form=form,
            error=error,
            next=next_url,
            oidc_enabled=config.oidc_enabled,
            oidc_display_name=config.oidc_display_name,
            local_login=config.local_login,
        ),
        status,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    next_url = request.args.get("next")
    if request.method == "GET":
        return _page(form, None, next_url)
    if form.validate_on_submit():
        user = authenticate_password(form.username.data, form.password.data)
        if user is not None:
            start_session(user, via="password")
            return redirect(safe_next(next_url))
        return _page(form, "Unknown username or wrong password.", next_url, 401)
    if "csrf_token" in form.errors:
        return _page(form, "The form expired; please try again.", next_url, 400)
    return _page(form, "Enter your username and password.", next_url, 422)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    end_session()
    return redirect(url_for("web.login"))
