"""Authentication for every request, and the permission helpers every view uses.

API clients send `Authorization: Bearer <token>`; browsers carry the session cookie and, on
every unsafe method, a CSRF token. Only health, login, static files and intake go without.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from incident_hub.domain.access import Principal
from incident_hub.errors import Forbidden, NotAuthenticated
from incident_hub.extensions import csrf, db, login_manager
from incident_hub.models import User
from incident_hub.runtime import now, settings
from incident_hub.services.admin.tokens import authenticate_token
from incident_hub.services.admin.users import principal_of

OPEN_ENDPOINTS = {
    "static",
    "health.healthz",
    "health.readyz",
    "web.login",
    "web.set_page_language",
    "web.login_oidc",
    "web.login_oidc_callback",
    "web.login_mfa",
    "web.static",
    "operations.metrics",
}
OPEN_PREFIXES = ("/api/v1/intake/",)
ENROL_ENDPOINTS = {"web.settings_mfa", "web.logout", "static", "web.static"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# What a person whose password was reset may reach before choosing a new one.
PASSWORD_CHANGE_ENDPOINTS = {"web.password_change", "web.password_save", "web.logout"}

F = TypeVar("F", bound=Callable[..., Any])


def _user_from_token(header: str) -> User:
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticated("Send the API token as 'Authorization: Bearer <token>'.")
    user = authenticate_token(raw.strip())
    if user is None:
        raise NotAuthenticated("The API token is unknown or revoked, or its user is disabled.")
    return user


def safe_next(target: str | None) -> str:
    """Only a path on this site, so sign-in cannot be used as an open redirect."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("web.home")
    return target


def start_session(user: User, via: str) -> None:
    """A new session for a signed-in user: whatever the old cookie held (an attacker's fixed session,
    sign-in state) is dropped, and the session gets a fresh id, its start time and the user's session
    version, checked on every request."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's per-request copy of the CSRF secret just dropped
    login_user(user)
    stamp = now().timestamp()
    session.update(sid=secrets.token_urlsafe(16), auth_at=stamp, seen_at=stamp, sv=user.session_version, via=via)


def end_session() -> None:
    logout_user()
    session.clear()
    g.pop("csrf_token", None)


def _session_ended(user: User) -> str | None:
    """Why this session may no longer be used, or None. Raises the idle clock when it may."""
    config, stamp = settings(), now().timestamp()
    if session.get("sv") != user.session_version:
        return "Your session was ended (your account changed); please sign in again."
    if stamp - float(session.get("auth_at", 0)) > config.session_max_hours * 3600:
        return "Your session reached its maximum length; please sign in again."
    if stamp - float(session.get("seen_at", 0)) > config.session_idle_minutes * 60:
        return "Your session expired after a period of inactivity; please sign in again."
    if stamp - float(session["seen_at"]) >= 30:  # coarse, so the cookie is not rewritten on every request
        session["seen_at"] = stamp
    return None


def _authenticate() -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS or request.path.startswith(OPEN_PREFIXES):
        return None
    header = request.headers.get("Authorization")
    is_api = request.path.startswith("/api/")
    if header and is_api:
        g.user, g.via_token = _user_from_token(header), True
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
        ended = _session_ended(user)
        if ended:
            end_session()
            if is_api:
                raise NotAuthenticated(ended)
            flash(ended, "info")
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        g.user, g.via_token = user, False
        if session.get("must_enrol") and request.endpoint not in ENROL_ENDPOINTS:
            if is_api:
                raise Forbidden("Set up two-step sign-in first (/settings/mfa).", {"rule": "mfa_required"})
            return redirect(url_for("web.settings_mfa"))
    elif is_api:
        raise NotAuthenticated()
    else:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    g.principal = principal_of(g.user)
    if request.method not in SAFE_METHODS and not g.via_token:
        csrf.protect()
    if not g.via_token and g.user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("web.password_change"))  # a one-time password is changed first
    return None


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise NotAuthenticated()
    return cast(Principal, principal)


def require_roles(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal.role not in roles:
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.", {"roles": list(roles)})
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def init_auth(app: Flask) -> None:
    login_manager.login_view = "web.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    app.before_request(_authenticate)
