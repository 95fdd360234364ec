"""/api/v1/…/observables and …/techniques (API.md "Evidence and sharing"): typed indicators on an
incident, the search across incidents ("where else have we seen it?"), and ATT&CK techniques."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import answers
from incident_hub.api.pagination import PageArgs, page_body
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN, MANAGER, OICT_RESPONDER
from incident_hub.domain.evidence import OBSERVABLE_TYPES
from incident_hub.domain.facts import TLP_LABELS
from incident_hub.ids import Moment
from incident_hub.services.evidence import observables as service
from incident_hub.services.evidence import techniques

blp = Blueprint("observables", __name__, description="Observables (typed indicators) and ATT&CK techniques")
blp.url_prefix_suffix = ""


class ObservableBody(Schema):
    type = fields.String(required=True, validate=validate.OneOf(OBSERVABLE_TYPES))
    value = fields.String(required=True, validate=validate.Length(min=1, max=2048))
    tlp = fields.String(validate=validate.OneOf(TLP_LABELS), metadata={"description": "default: the incident's"})
    sighted_at = Moment(default_timezone=None, allow_none=True)
    detection = fields.Boolean(load_default=False)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class SearchArgs(PageArgs):
    value = fields.String(required=True, validate=validate.Length(min=1, max=2048))


class TechniquesBody(Schema):
    techniques = fields.List(fields.String(validate=validate.Length(min=1, max=16)), required=True)


@blp.route("/incidents/<int:incident_id>/observables")
class IncidentObservables(MethodView):
    @answers(blp, out.Observables)
    def get(self, incident_id: int) -> dict[str, Any]:
        """The incident's observables (detection-marked ones only for OICT and managers)."""
        rows = service.list_observables(current_principal(), incident_id)
        return {"items": [service.observable_view(o) for o in rows], "total": len(rows)}

    @blp.arguments(ObservableBody)
    @answers(blp, out.ObservableOut, 201, created=True)
    def post(self, data: dict[str, Any], incident_id: int) -> ResponseReturnValue:
        """Record an observable: validated and normalised by type (422), unique per incident (409)."""
        o = service.add_observable(current_principal(), incident_id, data)
        location = url_for("observables.ObservableItem", observable_id=o.id)
        return service.observable_view(o), 201, {"Location": location}


@blp.route("/observables/<int:observable_id>")
class ObservableItem(MethodView):
    @blp.response(204)
    def delete(self, observable_id: int) -> None:
        """Remove an observable (audited)."""
        service.delete_observable(current_principal(), observable_id)


@blp.route("/observables")
class ObservableSearch(MethodView):
    @require_roles(OICT_RESPONDER, MANAGER, ADMIN)
    @blp.arguments(SearchArgs, location="query")
    @answers(blp, out.SightingPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Where else was this value seen? The incidents recording it (OICT and managers; 403 otherwise)."""
        rows, total = service.search_observables(current_principal(), args["value"], args["page"], args["per_page"])
        return page_body([service.search_view(r) for r in rows], total, args["page"], args["per_page"])


@blp.route("/incidents/<int:incident_id>/techniques")
class IncidentTechniques(MethodView):
    @answers(blp, out.TechniquesOut)
    def get(self, incident_id: int) -> dict[str, Any]:
        """The incident's ATT&CK techniques with their names and tactics."""
        items = techniques.list_techniques(current_principal(), incident_id)
        return {"items": items, "total": len(items), "attack_version": techniques.attack_version()}

    @blp.arguments(TechniquesBody)
    @answers(blp, out.TechniquesOut)
    def put(self, data: dict[str, Any], incident_id: int) -> dict[str, Any]:
        """Replace the techniques (e.g. `T1566.001`), each checked against the shipped ATT&CK data (422)."""
        items = techniques.set_techniques(current_principal(), incident_id, data["techniques"])
        return {"items": items, "total": len(items), "attack_version": techniques.attack_version()}


@blp.route("/dashboard/tactics")
class TacticCounts(MethodView):
    @require_roles(MANAGER, ADMIN)
    @answers(blp, out.TacticsOut)
    def get(self) -> dict[str, Any]:
        """Incidents by ATT&CK tactic (of the incidents the caller sees)."""
        return {"items": techniques.techniques_by_tactic(current_principal())}
