"""/api/v1/sources: webhook sources for monitoring tools, for admins (API.md "Intake").
A secret is in the answer of create and rotate only."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import answers
from incident_hub.api.pagination import PageArgs, page_body
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.intake.adapters import FORMATS
from incident_hub.services.intake import sources as service

blp = Blueprint("sources", __name__, description="Webhook sources (monitoring tools); admins only")
blp.url_prefix_suffix = "/sources"


class SourceCreate(Schema):
    name = fields.String(required=True)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    mapping = fields.Dict(load_default=None)
    enabled = fields.Boolean(load_default=True)
    rate_limit_per_minute = fields.Integer(load_default=None, allow_none=True)


class SourcePatch(Schema):
    mapping = fields.Dict()
    enabled = fields.Boolean()
    rate_limit_per_minute = fields.Integer(allow_none=True)


class RotateArgs(Schema):
    grace_hours = fields.Integer(load_default=service.DEFAULT_GRACE_HOURS)


def _actor() -> str:
    return current_principal().username


@blp.route("")
class Sources(MethodView):
    @require_roles(ADMIN)
    @blp.arguments(PageArgs, location="query")
    @answers(blp, out.SourcePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List sources (never their secrets)."""
        rows = service.list_sources()
        page, per_page = args["page"], args["per_page"]
        chunk = rows[(page - 1) * per_page : page * per_page]
        return page_body([service.source_view(s) for s in chunk], len(rows), page, per_page)

    @require_roles(ADMIN)
    @blp.arguments(SourceCreate)
    @answers(blp, out.SourceWithSecretOut, 201, created=True)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a source; the answer holds its secret, shown this once."""
        source, secret = service.create_source(
            _actor(), data["name"], data["format"], data["mapping"], data["enabled"], data["rate_limit_per_minute"]
        )
        body = {**service.source_view(source), "secret": secret}
        return body, 201, {"Location": url_for("sources.SourceItem", source_id=source.id)}


@blp.route("/<int:source_id>")
class SourceItem(MethodView):
    @require_roles(ADMIN)
    @answers(blp, out.SourceOut)
    def get(self, source_id: int) -> dict[str, Any]:
        return service.source_view(service.find_source(source_id))

    @require_roles(ADMIN)
    @blp.arguments(SourcePatch)
    @answers(blp, out.SourceOut)
    def patch(self, data: dict[str, Any], source_id: int) -> dict[str, Any]:
        """Change mapping rules, the enabled flag or the rate limit."""
        return service.source_view(service.update_source(_actor(), source_id, data))


@blp.route("/<int:source_id>/rotate")
class SourceRotate(MethodView):
    @require_roles(ADMIN)
    @blp.arguments(RotateArgs)
    @answers(blp, out.SourceWithSecretOut)
    def post(self, data: dict[str, Any], source_id: int) -> dict[str, Any]:
        """A new secret (shown once); the previous one stays valid for `grace_hours`."""
        source, secret = service.rotate_source(_actor(), source_id, data["grace_hours"])
        return {**service.source_view(source), "secret": secret}
