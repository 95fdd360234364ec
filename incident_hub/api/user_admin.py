"""/api/v1/users/{id} for admins (API.md "Identity and sessions"): change role, unit or active;
reset a password (a one-time password in the answer, shown once, to change at first sign-in)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import answers
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN, ROLES
from incident_hub.services.admin import accounts
from incident_hub.services.admin.users import user_view

blp = Blueprint("user_admin", __name__, description="Accounts: role, unit, active, password reset (admins)")
blp.url_prefix_suffix = "/users"


class UserPatch(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    unit = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))
    active = fields.Boolean()


@blp.route("/<int:user_id>")
class UserItem(MethodView):
    @require_roles(ADMIN)
    @blp.arguments(UserPatch)
    @answers(blp, out.UserOut)
    def patch(self, changes: dict[str, Any], user_id: int) -> dict[str, Any]:
        """Change `role`, `unit` (checked as on creation, rule M1) or `active`; 409 on your own role or
        active flag."""
        p = current_principal()
        user = accounts.update_user(p.username, p.user_id, user_id, changes)
        return {**user_view(user), "must_change_password": user.must_change_password}


@blp.route("/<int:user_id>/password-reset")
class PasswordReset(MethodView):
    @require_roles(ADMIN)
    @answers(blp, out.PasswordResetOut)
    def post(self, user_id: int) -> dict[str, Any]:
        """A one-time password, in this answer only; the user must change it at the next sign-in."""
        user, password = accounts.reset_password(current_principal().username, user_id)
        return {"id": user.id, "username": user.username, "one_time_password": password, "must_change_password": True}
