"""/api/v1/actions (API.md "Actions"): list with filters, read, PATCH under M1, transitions."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import answers
from incident_hub.api.pagination import LongPageArgs, long_page_body, sort_field
from incident_hub.api.schemas import answers_work as out
from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.domain.lifecycle import ACTION_STATUSES
from incident_hub.errors import ValidationError
from incident_hub.ids import Id, Moment
from incident_hub.services.actions.bulk import MAX_IDS, OPERATIONS, bulk_change
from incident_hub.services.actions.commands import add_action_comment, transition_action, update_action
from incident_hub.services.actions.queries import (
    SORTABLE,
    ActionFilter,
    action_comments,
    action_view,
    comment_view,
    get_visible_action,
    list_actions,
    usernames,
)
from incident_hub.services.evidence.attachments import done_with_file

blp = Blueprint("actions", __name__, description="Prevention and mitigation actions")
blp.url_prefix_suffix = "/actions"


class ActionArgs(LongPageArgs):
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES))
    owner_unit = fields.String()
    overdue = fields.Boolean()
    incident_id = Id()
    playbook_id = Id()
    assessment_id = Id()
    assignee = fields.String(validate=validate.Length(min=1, max=80))
    due_before = Moment(default_timezone=UTC)
    sort = sort_field(SORTABLE, "due_at")


class ActionPatch(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    assignee = fields.String(allow_none=True, validate=validate.Length(min=1, max=80))
    due_at = Moment(default_timezone=None, allow_none=True)
    owner_unit = fields.String(validate=validate.Length(min=1, max=32))
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "Why the due date changes: required with a new `due_at` (audited)."},
    )


class CommentBody(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))


class TransitionBody(Schema):
    to = fields.String(required=True, validate=validate.OneOf(ACTION_STATUSES))
    evidence = fields.String(load_default="", validate=validate.Length(max=10_000))
    reason = fields.String(load_default="", validate=validate.Length(max=10_000))
    evidence_attachment_id = Id(
        load_default=None, allow_none=True, metadata={"description": "a file attached to this action, as evidence"}
    )


@blp.route("")
class ActionList(MethodView):
    @blp.arguments(ActionArgs, location="query")
    @answers(blp, out.ActionPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the actions the caller may see (need to know), `overdue` derived at read time; `total`
        counts only those: exactly up to LIST_EXACT_TOTAL_MAX (10,000), past it an estimate with
        `"total_is_estimate": true`. `next_cursor` (null on the last page) is the `after` of the next
        page (keyset paging); `page` is null on a page asked with `after`."""
        page, per_page, sort = args.pop("page"), args.pop("per_page"), args.pop("sort")
        after = args.pop("after", None)
        found = list_actions(current_principal(), ActionFilter(**args), page, per_page, sort, after)
        names, now = usernames(found.rows), utcnow()
        items = [action_view(r, now, names) for r in found.rows]
        return long_page_body(items, found.total, None if after else page, per_page, found.next_cursor)


class BulkBody(Schema):
    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=MAX_IDS))
    op = fields.String(required=True, validate=validate.OneOf(OPERATIONS))
    assignee = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=80))
    to = fields.String(load_default="", validate=validate.OneOf(["", *ACTION_STATUSES]))
    evidence = fields.String(load_default="", validate=validate.Length(max=10_000))
    reason = fields.String(load_default="", validate=validate.Length(max=10_000))


@blp.route("/bulk")
class ActionBulk(MethodView):
    @blp.arguments(BulkBody)
    @answers(blp, out.BulkOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Assign or move several actions: 200 with one result per id (`{"id", "status", "error"}`);
        each is its own change, so some may be refused (M1, lifecycle, not visible) while others succeed."""
        ids = body.pop("ids")
        results = bulk_change(current_principal(), ids, body.pop("op"), **body)
        items = [{"id": r.id, "status": r.status, "error": r.error} for r in results]
        refused = sum(1 for r in results if not r.ok)
        return {"results": items, "succeeded": len(items) - refused, "refused": refused}


@blp.route("/<int:action_id>")
class ActionItem(MethodView):
    @answers(blp, out.ActionOut)
    def get(self, action_id: int) -> dict[str, Any]:
        """One action (404 when the caller may not see it)."""
        action = get_visible_action(current_principal(), action_id)
        return action_view(action)

    @blp.arguments(ActionPatch)
    @answers(blp, out.ActionOut)
    def patch(self, changes: dict[str, Any], action_id: int) -> dict[str, Any]:
        """Change title, assignee (username or null: an active user of the owner unit, or a manager),
        due_at (with a `reason`, audited) or owner_unit (rule M1 → 422 mandate_violation)."""
        return action_view(update_action(current_principal(), action_id, changes))


@blp.route("/<int:action_id>/transitions")
class ActionTransitions(MethodView):
    @blp.arguments(TransitionBody)
    @answers(blp, out.ActionOut)
    def post(self, body: dict[str, Any], action_id: int) -> dict[str, Any]:
        """Move an action: `done` needs `evidence` or `evidence_attachment_id`, `blocked` a `reason` (kept as the cancel
        reason for `cancelled`); 409 when not allowed."""
        principal, file_id = current_principal(), body["evidence_attachment_id"]
        if file_id is not None:
            if body["to"] != "done":
                raise ValidationError.for_fields({"evidence_attachment_id": ["only with to=done"]})
            return action_view(done_with_file(principal, action_id, file_id, body["evidence"]))
        action = transition_action(principal, action_id, body["to"], body["evidence"], body["reason"])
        return action_view(action)


@blp.route("/<int:action_id>/comments")
class ActionComments(MethodView):
    @answers(blp, out.Comments)
    def get(self, action_id: int) -> dict[str, Any]:
        """Comments on the action, oldest first."""
        action = get_visible_action(current_principal(), action_id)
        items = [comment_view(c) for c in action_comments(action)]
        return {"items": items, "total": len(items)}

    @blp.arguments(CommentBody)
    @answers(blp, out.CommentOut, 201, created=True)
    def post(self, body: dict[str, Any], action_id: int) -> ResponseReturnValue:
        """Comment on an action (anyone who may see it)."""
        comment = add_action_comment(current_principal(), action_id, body["body"])
        location = url_for("actions.ActionComments", action_id=action_id)
        return comment_view(comment), 201, {"Location": f"{location}#comment-{comment.id}"}
