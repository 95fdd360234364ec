"""The language menu on every page (API.md "Languages"): the choice is kept in the session, and on
the user's record when they are signed in, so emails and reports follow it too."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from incident_hub.auth import safe_next as _safe_next
from incident_hub.i18n import LANGUAGE_NAMES, SESSION_KEY
from incident_hub.services.admin.users import set_language
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import opt


class LanguageForm(FlaskForm):  # type: ignore[misc]
    language = SelectField(choices=[opt(code, name) for code, name in LANGUAGE_NAMES.items()])
    next = HiddenField()


@bp.post("/settings/language")
def set_page_language() -> ResponseReturnValue:
    """Open like the login page (the menu is there too); the CSRF token is still required."""
    form = LanguageForm()
    target = _safe_next(form.next.data or (request.referrer and _path_of(request.referrer)))
    if form.validate_on_submit():
        session[SESSION_KEY] = form.language.data
        if current_user.is_authenticated:
            set_language(current_user.username, form.language.data)
    return redirect(target)


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
