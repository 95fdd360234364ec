"""/api/v1/incidents: create, read, list, new facts and manual lead, transitions, timeline.

API.md "Incidents". Views are thin: need to know and every rule live in the services
(services/incidents.py, services/incident_queries.py) and the domain.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from incident_hub.api.openapi import answers, binary
from incident_hub.api.pagination import long_page_body
from incident_hub.api.schemas import answers_work as out
from incident_hub.api.schemas.incidents import (
    CommentSchema,
    IncidentCreateSchema,
    IncidentListArgs,
    IncidentPatchSchema,
    TransitionSchema,
)
from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN, DSS_OFFICER, MANAGER, OICT_RESPONDER
from incident_hub.errors import ValidationError
from incident_hub.ids import Id
from incident_hub.pdf import PDF, pdf_response, wants_pdf
from incident_hub.runtime import units
from incident_hub.services.incidents import commands as service
from incident_hub.services.incidents import queries as queries
from incident_hub.services.incidents.search import RELEVANCE
from incident_hub.services.playbooks.on_incident import (
    apply_playbook,
    detach_playbook,
    playbook_view,
    playbooks_for_incident,
)

blp = Blueprint("incidents", __name__, description="Incidents: facts, classification, routing R1-R5, lifecycle")
blp.url_prefix_suffix = "/incidents"

ROLES = (OICT_RESPONDER, DSS_OFFICER, MANAGER, ADMIN)
HYBRID_VALUES = {"true": True, "false": False, "unknown": None}


def _filter(args: dict[str, Any]) -> queries.IncidentFilter:
    lead = args.get("lead_unit")
    if lead is not None and lead not in units():
        raise ValidationError.for_fields({"lead_unit": [f"unknown unit {lead!r}"]})
    hybrid = args.pop("hybrid", None)
    return queries.IncidentFilter(
        **args, hybrid=HYBRID_VALUES[hybrid] if hybrid else None, hybrid_unknown=hybrid == "unknown"
    )


@blp.route("")
class Incidents(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(IncidentListArgs, location="query", unknown=RAISE)  # a typo is not a silent no-op
    @answers(blp, out.IncidentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the incidents the caller may see; `total` counts only those: exactly up to
        LIST_EXACT_TOTAL_MAX (10,000), past it an estimate with `"total_is_estimate": true`.
        `next_cursor` (null on the last page) is the `after` of the next page (keyset paging);
        `page` is null on a page asked with `after`."""
        page, per_page, sort = args.pop("page"), args.pop("per_page"), args.pop("sort")
        after = args.pop("after", None)
        sort = sort or (RELEVANCE if args.get("q") else "-created_at")
        principal = current_principal()
        found = queries.list_incidents(principal, _filter(args), page, per_page, sort, after)
        items = [queries.incident_view(r, principal) for r in found.rows]
        return long_page_body(items, found.total, None if after else page, per_page, found.next_cursor)

    @require_roles(*ROLES)
    @blp.arguments(IncidentCreateSchema)
    @answers(blp, out.IncidentOut, 201, created=True)
    def post(self, data: dict[str, Any]) -> ResponseReturnValue:
        """Record an incident's facts; classification and routing are derived (R1-R5)."""
        principal = current_principal()
        incident = service.create_incident(principal, data, created_by_id=principal.user_id or None)
        location = url_for("incidents.Incident", incident_id=incident.id)
        return queries.incident_view(incident, principal), 201, {"Location": location}


@blp.route("/<int:incident_id>")
class Incident(MethodView):
    @require_roles(*ROLES)
    @blp.doc(**binary(200, "The incident, or its report as PDF.", PDF, json=out.IncidentOut))
    def get(self, incident_id: int) -> Any:
        """One incident (404 when the caller may not see it); the incident report as PDF with
        `Accept: application/pdf` or `?format=pdf`."""
        if wants_pdf():
            return pdf_response("incident", incident_id)
        principal = current_principal()
        return queries.incident_view(queries.get_visible_incident(principal, incident_id), principal)

    @require_roles(*ROLES)
    @blp.arguments(IncidentPatchSchema)
    @answers(blp, out.IncidentOut)
    def patch(self, changes: dict[str, Any], incident_id: int) -> dict[str, Any]:
        """New facts re-run classification and routing; `lead_unit` is a manual override under M1."""
        principal = current_principal()
        return queries.incident_view(service.update_incident(principal, incident_id, changes), principal)


@blp.route("/<int:incident_id>/transitions")
class Transitions(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(TransitionSchema)
    @answers(blp, out.IncidentOut)
    def post(self, data: dict[str, Any], incident_id: int) -> dict[str, Any]:
        """Move along new → acknowledged → contained → resolved → closed (409 when not allowed).

        `resolved` needs a resolution `note` (422). `closed` is refused (422, `details.rule =
        "closure"`, `details.open` listing what is open) while actions are open, in progress or
        blocked or a required joint assessment is unsigned; a manager may close anyway with
        `override_reason`. `closed → acknowledged` reopens: managers only, with a `reason`."""
        principal = current_principal()
        incident = service.transition_incident(
            principal, incident_id, data["to"], data["note"], data["override_reason"], data["reason"]
        )
        return queries.incident_view(incident, principal)


@blp.route("/<int:incident_id>/timeline")
class Timeline(MethodView):
    @require_roles(*ROLES)
    @answers(blp, out.Timeline)
    def get(self, incident_id: int) -> dict[str, Any]:
        """Comments and automatic events (created, routed, rerouted, status), oldest first."""
        events = queries.timeline(current_principal(), incident_id)
        return {"items": [queries.event_view(e) for e in events], "total": len(events)}

    @require_roles(*ROLES)
    @blp.arguments(CommentSchema)
    @answers(blp, out.TimelineEventOut, 201, created=True)
    def post(self, data: dict[str, Any], incident_id: int) -> ResponseReturnValue:
        """Add a comment to the timeline."""
        event = service.add_comment(current_principal(), incident_id, data["body"])
        location = url_for("incidents.TimelineEvent", incident_id=incident_id, event_id=event.id)
        return queries.event_view(event), 201, {"Location": location}


@blp.route("/<int:incident_id>/timeline/<int:event_id>")
class TimelineEvent(MethodView):
    @require_roles(*ROLES)
    @answers(blp, out.TimelineEventOut)
    def get(self, incident_id: int, event_id: int) -> dict[str, Any]:
        """One timeline entry."""
        return queries.event_view(queries.timeline_event(current_principal(), incident_id, event_id))


class ApplyPlaybookSchema(Schema):
    playbook_id = Id(required=True)


class DetachPlaybookSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


@blp.route("/<int:incident_id>/playbooks")
class IncidentPlaybooks(MethodView):
    @require_roles(*ROLES)
    @answers(blp, out.IncidentPlaybooks)
    def get(self, incident_id: int) -> dict[str, Any]:
        """Every current playbook with whether it matches the incident and why (criterion by
        criterion), whether it is applied (by its facts or by hand) or detached."""
        items = [playbook_view(x) for x in playbooks_for_incident(current_principal(), incident_id)]
        return {"items": items, "total": len(items)}

    @require_roles(*ROLES)
    @blp.arguments(ApplyPlaybookSchema)
    @answers(blp, out.AppliedPlaybookOut, 201, created=True)
    def post(self, data: dict[str, Any], incident_id: int) -> ResponseReturnValue:
        """Apply a playbook by hand (the lead unit or a manager): its steps become actions once
        (409 when already applied); 422 `mandate_violation` (M1) when a step's owner lacks the mandate."""
        ids = apply_playbook(current_principal(), incident_id, data["playbook_id"])
        location = url_for("incidents.IncidentPlaybooks", incident_id=incident_id)
        return {"playbook_id": data["playbook_id"], "action_ids": ids}, 201, {"Location": location}


@blp.route("/<int:incident_id>/playbooks/<int:playbook_id>")
class IncidentPlaybook(MethodView):
    @require_roles(*ROLES)
    @blp.arguments(DetachPlaybookSchema)
    @answers(blp, None, 204, "Detached")
    def delete(self, data: dict[str, Any], incident_id: int, playbook_id: int) -> ResponseReturnValue:
        """Detach a playbook with a `reason`: its open actions on the incident become `cancelled`,
        and rerouting never applies it to this incident again."""
        detach_playbook(current_principal(), incident_id, playbook_id, data["reason"])
        return "", 204
