"""GET /api/v1/dashboard: the manager dashboard figures (API.md "Dashboard"; DOMAIN.md "Dashboards")."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from incident_hub.api.openapi import answers
from incident_hub.api.schemas import answers_more as out
from incident_hub.auth import require_roles
from incident_hub.domain.access import ADMIN, MANAGER
from incident_hub.ids import Moment
from incident_hub.services.reporting.dashboard import dashboard

blp = Blueprint("dashboard", __name__, description="Manager dashboard figures (SQL aggregates, cached briefly)")
blp.url_prefix_suffix = "/dashboard"


class DashboardArgs(Schema):
    unit = fields.String()
    from_ = Moment(data_key="from", default_timezone=None)
    to = Moment(default_timezone=None)


@blp.route("")
class Dashboard(MethodView):
    @require_roles(MANAGER, ADMIN)
    @blp.arguments(DashboardArgs, location="query")
    @answers(blp, out.DashboardOut)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """open_incidents, hybrid, actions, risk_heatmap, times, trend for a unit and period [from, to).

        Defaults: every unit, the last 30 days. Figures are cached in-process for 15 s per
        parameter set (configurable), so polling does not load the database.
        """
        return dashboard(args.get("unit"), args.get("from_"), args.get("to"))
