"""Post/redirect/get for the sign-in steps (issue 12 "Safety"), which have no user yet and so no
form draft (services/drafts.py keeps drafts per user): a refused step answers 303 back to its GET
page, and the session holds why, under a token the redirect carries, for `REFUSAL_SECONDS`. The
page shows the reason for as long as its URL carries the token, so a reload shows the same page and
sends nothing. Only the typed username is kept: never a password, never a code.

    return refuse_sign_in("login", "wrong", url_for("web.login", next=next_url), username=name)
    refusal = sign_in_refusal("login")   # in the GET view: {"reason": …, "username": …} or None
"""

from __future__ import annotations

import secrets

from flask import redirect, request, session
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from incident_hub.runtime import now
from incident_hub.web.drafts import DRAFT_ARG, with_draft

KEY, REFUSAL_SECONDS, ANCHOR = "sign_in_refused", 600, "sign-in-error"

MESSAGES = {
    "expired": _l("The form expired; please try again."),
    "incomplete": _l("Enter your username and password."),
    "address": _l("Too many failed sign-ins from your address; wait a minute and try again."),
    "wrong": _l("Unknown username or wrong password."),  # a locked name too: the same answer
    "code_missing": _l("Enter the code from your authenticator app, or a recovery code."),
    "code_wrong": _l("That code is not valid."),  # a locked name too
}


def refuse_sign_in(step: str, reason: str, url: str, username: str = "", bound_to: int | None = None) -> Response:
    """Keep why `step` was refused (and the typed `username`) in the session; 303 to `url` at the error.
    `bound_to`: the pending user of the second step, whose page alone may show it."""
    token = secrets.token_urlsafe(12)
    session[KEY] = {
        "token": token,
        "step": step,
        "reason": reason,
        "username": username[:80],
        "uid": bound_to,
        "at": now().timestamp(),
    }
    return redirect(f"{with_draft(url, token)}#{ANCHOR}", 303)


def sign_in_refusal(step: str, bound_to: int | None = None) -> dict[str, str] | None:
    """The refusal this GET of `step` was redirected with: its message and the typed username."""
    kept, token = session.get(KEY), request.args.get(DRAFT_ARG, "")
    if not isinstance(kept, dict) or not token or kept.get("token") != token or kept.get("step") != step:
        return None
    if kept.get("uid") != bound_to or now().timestamp() - float(kept.get("at", 0)) > REFUSAL_SECONDS:
        return None
    reason = str(kept.get("reason"))
    return {"message": str(MESSAGES.get(reason, MESSAGES["wrong"])), "username": str(kept.get("username", ""))}
