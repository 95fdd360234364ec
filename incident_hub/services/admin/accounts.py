"""Admins manage accounts (API.md "Identity and sessions": `PATCH /users/{id}`, password reset):
role and unit (checked as on creation: a responder's or officer's unit holds its role's
mandate, rule M1), disable/enable, and a one-time password that must be changed at the next
sign-in. A user changes their own password. Passwords never enter the audit trail."""

from __future__ import annotations

from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from incident_hub.domain.access import check_role_unit
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, NotFound, ValidationError
from incident_hub.models import User
from incident_hub.runtime import units
from incident_hub.services.admin.users import MIN_PASSWORD, generate_password, user_view
from incident_hub.services.uow import unit_of_work


def _user(session: Any, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(Text(N_("No user %(id)s."), id=user_id))
    return user


def update_user(actor: str, actor_id: int, user_id: int, changes: dict[str, Any]) -> User:
    """Change `role`, `unit` and/or `active`. An admin cannot disable or demote themself (the
    last way back in would go with it)."""
    with unit_of_work(actor) as uow:
        user = _user(uow.session, user_id)
        before = user_view(user)
        role = changes.get("role", user.role)
        unit = changes.get("unit", user.unit)
        if user.id == actor_id and (role != user.role or changes.get("active") is False):
            raise Conflict(
                Text(N_("You cannot disable your own account or change your own role.")), {"user_id": user_id}
            )
        check_role_unit(role, unit, units())
        user.role, user.unit = role, unit
        if "active" in changes:
            user.active = bool(changes["active"])
        if user_view(user) != before:
            user.session_version += 1  # sessions granted under the old role, unit or flag end now
            uow.audit("user.update", "user", user.id, before, user_view(user))
    return user


def reset_password(actor: str, user_id: int) -> tuple[User, str]:
    """A one-time password, returned once (never stored in clear nor audited); the user must
    change it at the next sign-in."""
    password = generate_password()
    with unit_of_work(actor) as uow:
        user = _user(uow.session, user_id)
        user.password_hash = generate_password_hash(password)
        user.must_change_password = True
        user.session_version += 1  # every open session of theirs ends
        uow.audit("user.password_reset", "user", user.id, None, {"username": user.username})
    return user, password


def change_password(username: str, user_id: int, current: str, new: str, again: str) -> User:
    """The signed-in user's own change (forced after a reset): the current password, then a new
    one of at least MIN_PASSWORD characters, different from the current one, typed twice."""
    errors: dict[str, list[str | Text]] = {}
    if len(new) < MIN_PASSWORD:
        errors["new_password"] = [Text(N_("must be at least %(n)s characters"), n=MIN_PASSWORD)]
    elif new != again:
        errors["new_password_again"] = [Text(N_("does not match the new password"))]
    elif new == current:
        errors["new_password"] = [Text(N_("must differ from the current password"))]
    with unit_of_work(username) as uow:
        user = _user(uow.session, user_id)
        if not check_password_hash(user.password_hash, current):
            errors = {"current_password": [Text(N_("is not your current password"))], **errors}
        if errors:
            raise ValidationError.for_fields(errors)
        user.password_hash = generate_password_hash(new)
        user.must_change_password = False
        user.session_version += 1  # their other sessions end; the caller keeps this one
        uow.audit("user.password_change", "user", user.id, None, {"username": user.username})
    return user
