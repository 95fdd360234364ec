"""`/login/oidc` and its callback: the OpenID Connect code flow with Authlib's Flask client.

Authlib discovers the provider from `OIDC_ISSUER`, sends PKCE (S256), `state` and `nonce`, and on the
callback checks `state`, exchanges the code and verifies the ID token (signature against the
provider's JWKS, issuer, audience, expiry, nonce). What the claims mean here (role, unit, refusal)
is services/admin/identity.py's business.
"""

from __future__ import annotations

import logging

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from joserfc.errors import JoseError
from requests import RequestException  # type: ignore[import-untyped]

from incident_hub.auth import safe_next, start_session
from incident_hub.runtime import settings
from incident_hub.services.admin.identity import SignInRefused, sign_in_oidc
from incident_hub.web.blueprint import bp

EXTENSION_KEY = "incident_hub.oidc"
NEXT_KEY = "oidc_next"
log = logging.getLogger(__name__)


def init_oidc(app: Flask) -> None:
    """Register the provider when OIDC_ISSUER is set. Nothing is fetched until the first sign-in."""
    config = app.extensions["incident_hub"].settings
    if not config.oidc_enabled:
        return
    oauth = OAuth(app)
    app.extensions[EXTENSION_KEY] = oauth.register(
        "oidc",
        client_id=config.oidc_client_id,
        client_secret=config.oidc_client_secret,
        server_metadata_url=f"{config.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256", "default_timeout": 10},
    )


def _client():  # type: ignore[no-untyped-def]
    client = current_app.extensions.get(EXTENSION_KEY)
    if client is None:
        abort(404)
    return client


def _refused(reason: str, status: int) -> ResponseReturnValue:
    return render_template("login_refused.html", reason=reason, display_name=settings().oidc_display_name), status


@bp.get("/login/oidc")
def login_oidc() -> ResponseReturnValue:
    from flask import request

    client = _client()
    next_url = safe_next(request.args.get("next"))
    try:
        response = client.authorize_redirect(url_for("web.login_oidc_callback", _external=True))
    except (RequestException, OAuthError, ValueError) as exc:
        log.warning("OpenID provider unreachable for discovery: %s", exc.__class__.__name__)
        return _refused("provider_unavailable", 503)
    session[NEXT_KEY] = next_url
    return response


@bp.get("/login/oidc/callback")
def login_oidc_callback() -> ResponseReturnValue:
    client = _client()
    try:
        token = client.authorize_access_token()
    except OAuthError as exc:
        # a bad or replayed state, an error from the provider, or a code it refused (reused, expired)
        log.warning("OpenID Connect callback refused: %s", exc.error)
        return _refused("callback_invalid", 400)
    except JoseError as exc:  # the ID token: signature, issuer, audience, expiry or nonce
        log.warning("OpenID Connect ID token refused: %s", exc.__class__.__name__)
        return _refused("callback_invalid", 400)
    except RequestException as exc:
        log.warning("OpenID provider unreachable at the callback: %s", exc.__class__.__name__)
        return _refused("provider_unavailable", 503)
    claims = token.get("userinfo")
    if not claims:
        return _refused("callback_invalid", 400)
    try:
        user = sign_in_oidc(dict(claims))
    except SignInRefused as exc:
        return _refused(exc.reason, 403)
    next_url = session.get(NEXT_KEY)
    start_session(user, via="oidc")
    return redirect(safe_next(next_url))
