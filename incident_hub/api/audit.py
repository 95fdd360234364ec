"""GET /api/v1/audit: the hash-chained audit trail, for managers and admins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from incident_hub.api.openapi import answers
from incident_hub.api.pagination import PageArgs, page_body
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import require_roles
from incident_hub.domain.access import ADMIN, MANAGER
from incident_hub.domain.audit_chain import iso_utc
from incident_hub.ids import Moment
from incident_hub.models import AuditEntry
from incident_hub.services.admin.audit import AuditFilter, list_entries

blp = Blueprint("audit", __name__, description="The tamper-evident audit trail")
blp.url_prefix_suffix = "/audit"


class AuditArgs(PageArgs):
    actor = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    after = Moment(default_timezone=None)
    before = Moment(default_timezone=None)
    order = fields.String(load_default="desc", validate=lambda v: v in ("asc", "desc"))


def audit_view(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": iso_utc(e.at),
        "actor": e.actor,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "before": e.before,
        "after": e.after,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


@blp.route("")
class AuditList(MethodView):
    @require_roles(MANAGER, ADMIN)
    @blp.arguments(AuditArgs, location="query")
    @answers(blp, out.AuditPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List audit entries (newest first by default), with filters."""
        page, per_page = args.pop("page"), args.pop("per_page")
        newest_first = args.pop("order") == "desc"
        rows, total = list_entries(AuditFilter(**args), page, per_page, newest_first)
        return page_body([audit_view(r) for r in rows], total, page, per_page)
