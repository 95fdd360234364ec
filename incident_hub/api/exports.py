"""/api/v1/incidents/{id}/stix and /misp (API.md "Evidence and sharing"): what may leave, as
STIX 2.1 or MISP. `?audience=internal` admits TLP:AMBER+STRICT (and, for OICT and managers,
observables marked detection); TLP:RED never leaves; need to know applies to the caller."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.auth import current_principal
from incident_hub.domain.evidence import AUDIENCES
from incident_hub.services.evidence import exports, misp

blp = Blueprint("exports", __name__, description="Sharing with the response network: STIX 2.1 and MISP")
blp.url_prefix_suffix = "/incidents"


class ExportArgs(Schema):
    audience = fields.String(load_default="external", validate=validate.OneOf(AUDIENCES))


STIX = "application/stix+json"


def EXPORT_DOC(what: str, media_type: str) -> dict[str, Any]:
    """A download (`Content-Disposition: attachment`) of a JSON document."""
    content = {media_type: {"schema": {"type": "object", "description": what}}}
    return {"responses": {"200": {"description": f"The {what}, as a download.", "content": content}}}


def _as(body: dict[str, Any], mimetype: str, name: str) -> ResponseReturnValue:
    response = jsonify(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blp.route("/<int:incident_id>/stix")
class StixExport(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.doc(**EXPORT_DOC("STIX 2.1 bundle", STIX))
    def get(self, args: dict[str, Any], incident_id: int) -> ResponseReturnValue:
        """STIX 2.1 bundle: incident, indicators and observed data, attack patterns, TLP 2.0 markings."""
        bundle = exports.stix_bundle(current_principal(), incident_id, args["audience"])
        return _as(bundle, STIX, f"incident-{incident_id}.stix.json")


@blp.route("/<int:incident_id>/misp")
class MispExport(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.doc(**EXPORT_DOC("MISP event", "application/json"))
    def get(self, args: dict[str, Any], incident_id: int) -> ResponseReturnValue:
        """MISP event JSON: attributes for observables and files, the TLP as tags and distribution."""
        event = misp.misp_event(current_principal(), incident_id, args["audience"])
        return _as(event, "application/json", f"incident-{incident_id}.misp.json")
