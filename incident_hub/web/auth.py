"""Login, logout and the home page."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from incident_hub.auth import end_session, safe_next, start_session
from incident_hub.runtime import settings
from incident_hub.services.admin import mfa, throttle
from incident_hub.services.admin.users import authenticate_password
from incident_hub.web.blueprint import bp
from incident_hub.web.mfa import begin_second_factor
from incident_hub.web.sign_in_refusals import refuse_sign_in, sign_in_refusal


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def _page(form: LoginForm, error: str | None, next_url: str | None) -> ResponseReturnValue:
    config = settings()
    return render_template(
        "login.html",
        form=form,
        error=error,
        next=next_url,
        oidc_enabled=config.oidc_enabled,
        oidc_display_name=config.oidc_display_name,
        local_login=config.local_login,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_url = request.args.get("next")
    if request.method == "GET":
        refusal = sign_in_refusal("login")
        if refusal is None:
            return _page(LoginForm(formdata=None), None, next_url)
        return _page(LoginForm(formdata=None, username=refusal["username"]), refusal["message"], next_url)
    form = LoginForm()
    if form.validate_on_submit():
        return _password_step(form, next_url)
    reason = "expired" if "csrf_token" in form.errors else "incomplete"
    return refuse_sign_in("login", reason, url_for("web.login", next=next_url), str(form.username.data or ""))


def _password_step(form: LoginForm, next_url: str | None) -> ResponseReturnValue:
    """The password, throttled (a locked name gets the same answer as a wrong password), then the
    second factor when the account has one, or its enrolment when the role requires one. A refusal
    answers 303 back to the sign-in page (post/redirect/get), keeping the username and `next`."""
    username, address = form.username.data, request.remote_addr or "-"
    back = url_for("web.login", next=next_url)
    if throttle.address_refused(address):
        return refuse_sign_in("login", "address", back, username)
    locked = throttle.is_locked(username)
    user = authenticate_password(username, form.password.data)  # checked even when locked: same timing
    if user is None or locked:
        throttle.record_failure(username, address)
        return refuse_sign_in("login", "wrong", back, username)
    throttle.clear_failures(username)
    if user.mfa_enabled:
        return begin_second_factor(user, next_url)
    start_session(user, via="password")
    if mfa.mfa_required(user):
        session["must_enrol"] = True
        return redirect(url_for("web.settings_mfa"))
    return redirect(safe_next(next_url))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    end_session()
    return redirect(url_for("web.login"))
