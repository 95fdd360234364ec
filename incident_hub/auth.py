"""Authentication for every request, and the permission helpers every view uses.

API clients send `Authorization: Bearer <token>`; browsers carry the session cookie and, on
every unsafe method, a CSRF token. Only health, login, static files and intake go without.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from incident_hub.domain.access import Principal
from incident_hub.errors import Forbidden, NotAuthenticated
from incident_hub.extensions import csrf, db, login_manager
from incident_hub.models import User
from incident_hub.services.admin.tokens import authenticate_token
from incident_hub.services.admin.users import principal_of

OPEN_ENDPOINTS = {"static", "health.healthz", "health.readyz", "web.login", "web.static", "operations.metrics"}
OPEN_PREFIXES = ("/api/v1/intake/",)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

F = TypeVar("F", bound=Callable[..., Any])


def _user_from_token(header: str) -> User:
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticated("Send the API token as 'Authorization: Bearer <token>'.")
    user = authenticate_token(raw.strip())
    if user is None:
        raise NotAuthenticated("The API token is unknown or revoked, or its user is disabled.")
    return user


def _authenticate() -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS or request.path.startswith(OPEN_PREFIXES):
        return None
    header = request.headers.get("Authorization")
    is_api = request.path.startswith("/api/")
    if header and is_api:
        g.user, g.via_token = _user_from_token(header), True
    elif current_user.is_authenticated:
        g.user, g.via_token = current_user._get_current_object(), False
    elif is_api:
        raise NotAuthenticated()
    else:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    g.principal = principal_of(g.user)
    if request.method not in SAFE_METHODS and not g.via_token:
        csrf.protect()
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
