"""Post/redirect/get for every page form (issue 12 "Safety"): a refused form answers with a
redirect too, to the page that shows it, at the error; what was typed and the errors come back
from services/drafts.py (never a password, never the CSRF token). A reload of either page only
reads. A secret a POST makes (a token, a generated password) reaches the next page once,
encrypted in the session (`reveal_once`).

    return refuse(form, "assessment:7:threat", url_for(...), "add-threat", exc)   # in a POST view
    form = restored(ThreatForm, "assessment:7:threat", prefix="threat")         # in the GET view
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import redirect, request, session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import PasswordField

from incident_hub.auth import current_principal
from incident_hub.errors import AppError
from incident_hub.intake.secrets import decrypt_secret, encrypt_secret
from incident_hub.runtime import settings
from incident_hub.services.drafts import find_draft, keep_draft
from incident_hub.web.support import apply_errors

DRAFT_ARG = "draft"
F = TypeVar("F", bound=FlaskForm)


def _payload(form: FlaskForm) -> dict[str, Any]:
    secret = {f.name for f in form if isinstance(f, PasswordField)} | {"csrf_token"}
    if getattr(form, "_prefix", ""):
        secret.add(f"{form._prefix}csrf_token")
    return {
        "data": [[k, v] for k, v in request.form.items(multi=True) if k not in secret],
        "errors": {f.name: [str(e) for e in f.errors] for f in form if f.errors and f.name not in secret},
        "form_errors": [str(e) for e in form.form_errors],
        "expired": bool(form.meta.csrf and getattr(form, "csrf_token", None) is not None and form.csrf_token.errors),
    }


def with_draft(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({DRAFT_ARG: token})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def refuse(form: FlaskForm, key: str, url: str, anchor: str, error: AppError | None = None) -> Response:
    """Keep the form's values and errors (plus the service's `error`, placed at its fields) and
    redirect to `url`, at the first field in error (else at `anchor`, the form's box)."""
    if error is not None:
        if error.status in (403, 404):
            raise error
        apply_errors(form, error)
    token = keep_draft(current_principal().user_id, key, _payload(form))
    first = next((f for f in form if f.errors and f.type != "CSRFTokenField"), None)
    return redirect(f"{with_draft(url, token)}#{'field-' + first.name if first else anchor}", 303)


def refuse_fields(
    key: str, url: str, anchor: str, errors: dict[str, list[str]], secret: tuple[str, ...] = ()
) -> Response:
    """`refuse` for a page form written without WTForms: what was posted (less the CSRF token and the
    `secret` inputs, such as a webhook URL, which is a credential) and the errors by input name."""
    skip = {"csrf_token", *secret}
    payload = {
        "data": [[k, v] for k, v in request.form.items(multi=True) if k not in skip],
        "errors": {name: [str(m) for m in messages] for name, messages in errors.items()},
        "form_errors": [],
        "expired": False,
    }
    token = keep_draft(current_principal().user_id, key, payload)
    return redirect(f"{with_draft(url, token)}#{anchor}", 303)


def refused_fields(key: str) -> tuple[MultiDict[str, str], dict[str, list[str]]]:
    """What `refuse_fields` kept for `key`: the posted values and the errors (both empty without a draft)."""
    found = _draft(key)
    if found is None:
        return MultiDict(), {}
    return MultiDict([tuple(pair) for pair in found[1]["data"]]), dict(found[1].get("errors", {}))


def refused_key() -> str | None:
    """The form key of the draft this request was redirected with, if any (to open its box)."""
    found = _draft()
    return found[0] if found else None


def _draft(key: str | None = None) -> tuple[str, dict[str, Any]] | None:
    token = request.args.get(DRAFT_ARG, "")
    return find_draft(current_principal().user_id, token, key) if token else None


def restored(form_class: type[F], key: str, **kwargs: Any) -> F | None:
    """The refused form of `key`, as it was typed, with its errors; None when there is none."""
    found = _draft(key)
    if found is None:
        return None
    payload = found[1]
    form = form_class(formdata=MultiDict([tuple(pair) for pair in payload["data"]]), **kwargs)
    errors = payload.get("errors", {})
    for f in form:
        if f.name in errors:
            f.errors = list(errors[f.name])
    form.form_errors.extend(payload.get("form_errors", []))
    if payload.get("expired") and getattr(form, "csrf_token", None) is not None:
        form.csrf_token.errors = ["expired"]
    return form


def draft_values(key: str) -> dict[str, str]:
    """What was typed into the refused form of `key` (also inputs outside its WTForm, such as the
    review's `finding-<id>` fields); empty when there is no such draft."""
    found = _draft(key)
    return {k: v for k, v in found[1]["data"]} if found else {}


def form_or_new(form_class: type[F], key: str, **kwargs: Any) -> F:
    """The refused form of `key` when this page shows one, else an empty form."""
    return restored(form_class, key, **kwargs) or form_class(formdata=None, **kwargs)


REVEAL = "reveal_once"


def reveal_once(page: str, what: str, value: str) -> None:
    """A secret made by a POST (a generated password, a token, a source secret), for the page the
    redirect lands on: encrypted in the session (Fernet, key from SECRET_KEY), shown once."""
    session[REVEAL] = {"page": page, "what": what, "value": encrypt_secret(settings().secret_key, value)}


def take_revealed(page: str) -> dict[str, str] | None:
    """The secret stashed for `page`, removed from the session as it is read: a reload shows nothing."""
    stash = session.get(REVEAL)
    if not isinstance(stash, dict) or stash.get("page") != page:
        return None
    session.pop(REVEAL, None)
    return {"what": str(stash.get("what", "")), "value": decrypt_secret(settings().secret_key, str(stash["value"]))}
