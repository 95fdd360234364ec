"""Signing in with the organisation account (OpenID Connect, Microsoft Entra ID).

The web layer (web/oidc.py, Authlib) runs the code flow and verifies the ID token: signature against
the provider's keys, issuer, audience, expiry and nonce. What the verified claims mean here is decided
in this module: the role map (domain/identity.py) turns the groups claim into a role and a unit; the
user is created at the first sign-in and brought up to date at each one, every change audited with
before and after. A person matching no entry of the map, a user disabled here, or a name already
held by another account is refused, and the refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from incident_hub.domain.identity import claim_values
from incident_hub.errors import Forbidden
from incident_hub.extensions import db
from incident_hub.models import User
from incident_hub.runtime import role_map, settings
from incident_hub.services.admin.users import user_view
from incident_hub.services.uow import unit_of_work

# No password can match this (Werkzeug hashes start with the method name): the account has none here.
NO_PASSWORD = "!organisation-account"
REFUSALS = {
    "unmapped": "Your organisation account is not in any group that gives access to this service.",
    "disabled": "Your account has been disabled in this service.",
    "username_taken": "Another account already uses your user name here; ask an administrator.",
    "no_subject": "The identity provider did not say who you are.",
}


class SignInRefused(Forbidden):
    """A verified organisation account that may not sign in; `reason` is a key of REFUSALS."""

    def __init__(self, reason: str, details: dict[str, Any] | None = None):
        super().__init__(REFUSALS[reason], {"reason": reason, **(details or {})})
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """What this service keeps from the verified ID token."""

    issuer: str
    subject: str
    username: str
    email: str | None
    claim_values: tuple[str, ...]


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    subject = claims.get("sub")
    issuer = claims.get("iss") or settings().oidc_issuer
    if not isinstance(subject, str) or not subject or not isinstance(issuer, str):
        raise SignInRefused("no_subject")
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    name = next(
        (v for v in (claims.get("preferred_username"), email, subject) if isinstance(v, str) and v.strip()), subject
    )
    values = claim_values(claims, settings().oidc_groups_claim)
    return Identity(issuer, subject, name.strip()[:80], email, tuple(values))


def _refuse(identity: Identity, reason: str, user: User | None = None) -> SignInRefused:
    """Audit the refusal in its own transaction (it must stay on record), then hand back the error."""
    record = {
        "reason": reason,
        "issuer": identity.issuer,
        "subject": identity.subject,
        "username": identity.username,
        "claim_values": list(identity.claim_values),
    }
    with unit_of_work(identity.username) as uow:
        uow.audit("login.refused", "user", user.id if user else identity.username, None, record)
    return SignInRefused(reason)


def _find(identity: Identity) -> User | None:
    q = select(User).where(User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject)
    return db.session.execute(q).scalar_one_or_none()


def _name_taken(identity: Identity, user: User | None) -> bool:
    other = db.session.execute(select(User.id).where(User.username == identity.username)).scalar_one_or_none()
    return other is not None and (user is None or other != user.id)


def sign_in_oidc(claims: dict[str, Any]) -> User:
    """The user for verified ID token claims, created or updated from the role map; or SignInRefused."""
    identity = identity_from_claims(claims)
    user = _find(identity)
    if user is not None and not user.active:
        raise _refuse(identity, "disabled", user)
    roles = role_map()
    entry = roles.match(identity.claim_values) if roles is not None else None
    if entry is None:
        raise _refuse(identity, "unmapped", user)
    if user is None and _name_taken(identity, None):
        raise _refuse(identity, "username_taken")
    with unit_of_work(identity.username) as uow:
        if user is None:
            user = User(
                username=identity.username,
                password_hash=NO_PASSWORD,
                role=entry.role,
                unit=entry.unit,
                email=identity.email,
                oidc_issuer=identity.issuer,
                oidc_subject=identity.subject,
                active=True,
                created_at=uow.now,
            )
            uow.session.add(user)
            uow.flush()
            uow.audit("user.create", "user", user.id, None, _view(user, entry.line))
        else:
            before = _view(user, None)
            changed = (user.role, user.unit) != (entry.role, entry.unit)
            user.role, user.unit = entry.role, entry.unit
            if identity.email and identity.email != user.email:
                user.email = identity.email
            if changed:
                user.session_version += 1  # sessions granted under the old role end now
            if _view(user, None) != before:
                uow.audit("user.update", "user", user.id, before, _view(user, entry.line))
        user.last_login_at = uow.now
    return user


def _view(user: User, map_line: int | None) -> dict[str, object]:
    view = {**user_view(user), "email": user.email, "source": "oidc"}
    if map_line is not None:
        view["role_map_line"] = map_line
    return view
