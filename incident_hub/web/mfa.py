"""The second factor of local accounts: `/login/mfa` (after the password) and `/settings/mfa` (enrolment)."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from incident_hub.auth import current_principal, safe_next, start_session
from incident_hub.errors import ValidationError
from incident_hub.extensions import db
from incident_hub.models import User
from incident_hub.runtime import now
from incident_hub.services.admin import mfa, throttle
from incident_hub.web.blueprint import bp

PENDING_SECONDS = 300  # the password step is good for five minutes
PENDING, ENROL_SECRET = "mfa_pending", "mfa_enrol_secret"


class CodeForm(FlaskForm):  # type: ignore[misc]
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])


def begin_second_factor(user: User, next_url: str | None) -> ResponseReturnValue:
    """The password was right; the session holds only who is half-way in, until the code."""
    session.clear()
    session[PENDING] = {"uid": user.id, "name": user.username, "at": now().timestamp(), "next": next_url}
    return redirect(url_for("web.login_mfa"))


def _pending() -> dict[str, object] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return pending


def _mfa_page(form: CodeForm, error: str | None, status: int = 200) -> ResponseReturnValue:
    return render_template("login_mfa.html", form=form, error=error), status


@bp.route("/login/mfa", methods=["GET", "POST"])
def login_mfa() -> ResponseReturnValue:
    pending, form = _pending(), CodeForm()
    if pending is None:
        session.pop(PENDING, None)
        return redirect(url_for("web.login"))
    if request.method == "GET":
        return _mfa_page(form, None)
    if not form.validate_on_submit():
        return _mfa_page(form, _("Enter the code from your authenticator app, or a recovery code."), 422)
    name, address = str(pending["name"]), request.remote_addr or "-"
    if throttle.address_refused(address):
        return _mfa_page(form, _("Too many failed sign-ins from your address; wait a minute and try again."), 429)
    if throttle.is_locked(name) or not mfa.verify_second_factor(int(str(pending["uid"])), form.code.data):
        throttle.record_failure(name, address)
        return _mfa_page(form, _("That code is not valid."), 401)
    throttle.clear_failures(name)
    user = db.session.get(User, int(str(pending["uid"])))
    if user is None or not user.active:
        return redirect(url_for("web.login"))
    start_session(user, via="password+mfa")
    return redirect(safe_next(str(pending["next"]) if pending.get("next") else None))


def _user() -> User:
    user = db.session.get(User, current_principal().user_id)
    assert user is not None
    return user


@bp.route("/settings/mfa", methods=["GET", "POST"])
def settings_mfa() -> ResponseReturnValue:
    user, form = _user(), CodeForm()
    if user.is_oidc or user.mfa_enabled:
        left = None if user.is_oidc else mfa.recovery_codes_left(user.id)
        return render_template("settings_mfa.html", user=user, codes_left=left, required=False)
    secret = session.get(ENROL_SECRET) or mfa.new_secret()
    session[ENROL_SECRET] = secret
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                codes = mfa.confirm_enrolment(user.id, secret, form.code.data)
            except ValidationError as exc:
                error, status = exc.details["fields"]["code"][0], 422
            else:
                return _show_recovery_codes(user, codes)
        else:
            error, status = "Enter the six-digit code your app shows.", 422
    uri = mfa.provisioning_uri(user.username, secret)
    page = render_template(
        "settings_mfa.html",
        user=user,
        form=form,
        secret=secret,
        qr=mfa.qr_svg_data_uri(uri),
        error=error,
        required=session.get("must_enrol", False),
    )
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _show_recovery_codes(user: User, codes: list[str]) -> ResponseReturnValue:
    """Shown once, never stored in clear; the session restarts under the new session version."""
    db.session.refresh(user)
    start_session(user, via="password+mfa")
    response = make_response(render_template("settings_mfa_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response
