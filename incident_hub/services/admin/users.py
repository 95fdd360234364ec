"""Users and passwords (Werkzeug's scrypt hashing); API tokens are services/admin/tokens.py's."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from incident_hub.domain.access import Principal, check_role_unit
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, NotFound, ValidationError
from incident_hub.extensions import db
from incident_hub.models import User
from incident_hub.runtime import settings, units
from incident_hub.services.uow import unit_of_work
from incident_hub.settings import LANGUAGES

MIN_PASSWORD = 10
# Checked when a username is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, user.role, user.unit)


def user_view(user: User) -> dict[str, object]:
    view: dict[str, object] = {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "unit": user.unit,
        "active": user.active,
    }
    if user.break_glass:
        view["break_glass"] = True
    return view


EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{2,63}$")


def check_contact(changes: dict[str, Any]) -> None:
    errors: dict[str, list[str | Text]] = {}
    email = changes.get("email")
    if email is not None and not EMAIL.match(email):
        errors["email"] = [Text(N_("not an email address"))]
    language = changes.get("language")
    if language is not None and language not in LANGUAGES:
        errors["language"] = [Text(N_("must be one of %(codes)s"), codes=", ".join(LANGUAGES))]
    if errors:
        raise ValidationError.for_fields(errors)


def update_contact(username: str, changes: dict[str, Any], actor: str) -> User:
    """`email` and `language` (PATCH /api/v1/me, `users create --email`); None clears them."""
    check_contact(changes)
    with unit_of_work(actor) as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise NotFound(Text(N_("No user %(name)s."), name=repr(username)))
        before = {"email": user.email, "language": user.language}
        for name in ("email", "language"):
            if name in changes:
                setattr(user, name, changes[name] or None)
        after = {"email": user.email, "language": user.language}
        if after != before:
            uow.audit("user.update", "user", user.id, before, after)
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    username: str,
    role: str,
    unit: str | None,
    password: str,
    actor: str = "system",
    break_glass: bool = False,
    email: str | None = None,
) -> User:
    if not username or len(username) > 80:
        raise ValidationError.for_fields({"username": [Text(N_("must be 1 to 80 characters"))]})
    if len(password) < MIN_PASSWORD:
        raise ValidationError.for_fields({"password": [Text(N_("must be at least %(n)s characters"), n=MIN_PASSWORD)]})
    if email is not None and (len(email) > 254 or "@" not in email.strip("@")):
        raise ValidationError.for_fields({"email": [Text(N_("must be an email address"))]})
    check_role_unit(role, unit, units())
    try:
        with unit_of_work(actor) as uow:
            user = User(
                username=username,
                password_hash=generate_password_hash(password),
                role=role,
                unit=unit,
                active=True,
                break_glass=break_glass,
                email=email,
                created_at=uow.now,
            )
            uow.session.add(user)
            uow.flush()
            uow.audit("user.create", "user", user.id, None, user_view(user))
    except IntegrityError as exc:
        raise Conflict(
            Text(N_("A user named %(name)s already exists."), name=repr(username)),
            {"fields": {"username": [Text(N_("taken"))]}},
        ) from exc
    return user


def authenticate_password(username: str, password: str) -> User | None:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    if not settings().local_login and not user.break_glass:
        return None  # local accounts are off; only break-glass ones remain (same answer as a wrong password)
    return user


def get_user_by_name(username: str) -> User:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(Text(N_("No user named %(name)s."), name=repr(username)))
    return user


def list_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.username)).scalars())


def set_active(username: str, active: bool, actor: str) -> User:
    with unit_of_work(actor) as uow:
        user = get_user_by_name(username)
        before = user_view(user)
        user.active = active
        if not active:
            user.session_version += 1  # their open sessions end at once
        uow.audit("user.update", "user", user.id, before, user_view(user))
    return user


def set_language(username: str, language: str) -> User:
    """The language a person reads pages, emails and reports in (one of settings.LANGUAGES)."""
    if language not in LANGUAGES:
        raise ValidationError.for_fields({"language": [f"one of {', '.join(LANGUAGES)}"]})
    with unit_of_work(username) as uow:
        user = get_user_by_name(username)
        if user.language != language:
            uow.audit("user.language", "user", user.id, {"language": user.language}, {"language": language})
            user.language = language
    return user
