"""/api/v1/me (API.md "People"): who I am, and my email and language."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import answers
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import current_principal
from incident_hub.extensions import db
from incident_hub.models import User
from incident_hub.services.admin.users import update_contact

blp = Blueprint("me", __name__, description="The signed-in user")
blp.url_prefix_suffix = "/me"


class MePatch(Schema):
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(allow_none=True, validate=validate.Length(max=8))


def _view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "unit": user.unit,
        "email": user.email,
        "language": user.language,
        "mfa_enabled": bool(getattr(user, "mfa_enabled", False)),
    }


@blp.route("")
class Me(MethodView):
    @answers(blp, out.MeOut)
    def get(self) -> dict[str, Any]:
        """Me: id, username, role, unit, email, language."""
        user = db.session.get(User, current_principal().user_id)
        assert user is not None
        return _view(user)

    @blp.arguments(MePatch)
    @answers(blp, out.MeOut)
    def patch(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change my email (where notifications are sent) or language."""
        principal = current_principal()
        return _view(update_contact(principal.username, changes, principal.username))
