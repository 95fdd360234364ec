"""/api/v1/playbooks (API.md "Playbooks"): versions loaded from playbooks/, CACAO v2.0 export and import."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from incident_hub.api.openapi import JSON, answers
from incident_hub.api.pagination import PageArgs, page_body
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.services.playbooks.cacao import export_cacao, import_cacao
from incident_hub.services.playbooks.sync import get_playbook, list_playbooks, playbook_view

blp = Blueprint("playbooks", __name__, description="Playbooks and their CACAO v2.0 form")
blp.url_prefix_suffix = "/playbooks"


class PlaybookArgs(PageArgs):
    all_versions = fields.Boolean(load_default=False)
    key = fields.String()


CACAO = {"type": "object", "description": "An OASIS CACAO v2.0 playbook (JSON)."}
CACAO_OUT = {"responses": {"200": {"description": "The playbook as CACAO v2.0.", "content": {JSON: {"schema": CACAO}}}}}
CACAO_IN = {"requestBody": {"required": True, "content": {JSON: {"schema": CACAO}}}}


@blp.route("")
class PlaybookList(MethodView):
    @blp.arguments(PlaybookArgs, location="query")
    @answers(blp, out.PlaybookPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Current playbook versions (`all_versions=true` for every version), by key."""
        rows = list_playbooks(args["all_versions"], args.get("key"))
        page, per_page = args["page"], args["per_page"]
        chunk = rows[(page - 1) * per_page : page * per_page]
        return page_body([playbook_view(r, full=False) for r in chunk], len(rows), page, per_page)


@blp.route("/<int:playbook_id>")
class PlaybookItem(MethodView):
    @answers(blp, out.PlaybookOut)
    def get(self, playbook_id: int) -> dict[str, Any]:
        """One playbook version with its steps."""
        return playbook_view(get_playbook(playbook_id))


@blp.route("/<int:playbook_id>/cacao")
class PlaybookCacao(MethodView):
    @blp.doc(**CACAO_OUT)
    def get(self, playbook_id: int) -> dict[str, Any]:
        """The playbook version as an OASIS CACAO v2.0 playbook (JSON)."""
        return export_cacao(playbook_id)


@blp.route("/import")
class PlaybookImport(MethodView):
    @require_roles(ADMIN)
    @answers(blp, out.PlaybookOut, 201, "A new version", created=True)
    @answers(blp, out.PlaybookOut, 200, "Unchanged: the same content is already loaded")
    @blp.doc(**CACAO_IN)
    def post(self) -> Any:
        """Import a CACAO v2.0 playbook (admin): 201 + Location for a new version, 200 when unchanged."""
        row, created = import_cacao(current_principal(), request.get_json(silent=True))
        location = url_for("playbooks.PlaybookItem", playbook_id=row.id)
        return playbook_view(row), 201 if created else 200, {"Location": location}
