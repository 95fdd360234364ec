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
from incident_hub.i18n import said_fields
from incident_hub.models import User
from incident_hub.runtime import now
from incident_hub.services.admin import mfa, throttle
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import refuse_fields, refused_fields, reveal_once, take_revealed
from incident_hub.web.sign_in_refusals import refuse_sign_in, sign_in_refusal

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


def _mfa_page(form: CodeForm, error: str | None) -> ResponseReturnValue:
    return render_template("login_mfa.html", form=form, error=error)


@bp.route("/login/mfa", methods=["GET", "POST"])
def login_mfa() -> ResponseReturnValue:
    """The code step, bound to the user whose password was right (a refusal too: shown only on their
    pending step). A refusal answers 303 back here (post/redirect/get); the code is never kept."""
    pending = _pending()
    if pending is None:
        session.pop(PENDING, None)
        return redirect(url_for("web.login"))
    uid = int(str(pending["uid"]))
    if request.method == "GET":
        refusal = sign_in_refusal("mfa", bound_to=uid)
        return _mfa_page(CodeForm(formdata=None), refusal["message"] if refusal else None)
    form, back = CodeForm(), url_for("web.login_mfa")
    if not form.validate_on_submit():
        return refuse_sign_in("mfa", "code_missing", back, bound_to=uid)
    name, address = str(pending["name"]), request.remote_addr or "-"
    if throttle.address_refused(address):
        return refuse_sign_in("mfa", "address", back, bound_to=uid)
    if throttle.is_locked(name) or not mfa.verify_second_factor(uid, form.code.data):
        throttle.record_failure(name, address)
        return refuse_sign_in("mfa", "code_wrong", back, bound_to=uid)
    throttle.clear_failures(name)
    user = db.session.get(User, uid)
    if user is None or not user.active:
        return redirect(url_for("web.login"))
    start_session(user, via="password+mfa")
    return redirect(safe_next(str(pending["next"]) if pending.get("next") else None))


def _user() -> User:
    user = db.session.get(User, current_principal().user_id)
    assert user is not None
    return user


ENROL_KEY, CODES_PAGE = "settings:mfa", "settings_mfa"


@bp.route("/settings/mfa", methods=["GET", "POST"])
def settings_mfa() -> ResponseReturnValue:
    """Enrolment. Both answers to its POST are redirects (post/redirect/get): a wrong code back here at
    the error (the code is not kept), the new recovery codes to this page once (`reveal_once`)."""
    user = _user()
    if request.method == "GET" and (revealed := take_revealed(CODES_PAGE)) is not None:
        return _no_store(render_template("settings_mfa_codes.html", codes=revealed["value"].split()))
    if user.is_oidc or user.mfa_enabled:
        left = None if user.is_oidc else mfa.recovery_codes_left(user.id)
        return render_template("settings_mfa.html", user=user, codes_left=left, required=False)
    secret = session.get(ENROL_SECRET) or mfa.new_secret()
    session[ENROL_SECRET] = secret
    if request.method == "POST":
        return _confirm(user, secret, CodeForm())
    _, errors = refused_fields(ENROL_KEY)
    page = render_template(
        "settings_mfa.html",
        user=user,
        form=CodeForm(formdata=None),
        secret=secret,
        qr=mfa.qr_svg_data_uri(mfa.provisioning_uri(user.username, secret)),
        error=errors["code"][0] if errors.get("code") else None,
        required=session.get("must_enrol", False),
    )
    return _no_store(page)


def _confirm(user: User, secret: str, form: CodeForm) -> ResponseReturnValue:
    back = url_for("web.settings_mfa")
    if not form.validate_on_submit():
        message = _("Enter the six-digit code your app shows.")
        return refuse_fields(ENROL_KEY, back, "code", {"code": [message]}, ("code",))
    try:
        codes = mfa.confirm_enrolment(user.id, secret, form.code.data)
    except ValidationError as exc:
        message = said_fields(exc)["code"][0]
        return refuse_fields(ENROL_KEY, back, "code", {"code": [message]}, ("code",))
    db.session.refresh(user)
    start_session(user, via="password+mfa")  # the session restarts under the new session version
    reveal_once(CODES_PAGE, "recovery_codes", " ".join(codes))  # shown once, never stored in clear
    return redirect(back, 303)


def _no_store(page: str) -> ResponseReturnValue:
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response
