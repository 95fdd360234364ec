"""GET /api/v1/reports/governance: the Recommendation 1 report, aggregates only (para 6)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import binary
from incident_hub.api.schemas.answers_more import GovernanceOut
from incident_hub.auth import require_roles
from incident_hub.domain.access import ADMIN, MANAGER
from incident_hub.ids import Moment
from incident_hub.pdf import PDF, pdf_response, wants_pdf
from incident_hub.services.reporting.governance import flatten, governance_report, to_csv

blp = Blueprint("reports", __name__, description="Governance report (aggregates only)")
blp.url_prefix_suffix = "/reports"


class ReportArgs(Schema):
    from_ = Moment(data_key="from", default_timezone=None)
    to = Moment(default_timezone=None)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "html", "csv", "pdf")))


@blp.route("/governance")
class Governance(MethodView):
    @require_roles(MANAGER, ADMIN)
    @blp.arguments(ReportArgs, location="query")
    @blp.doc(
        **binary(
            200,
            "The report: JSON (default), CSV `figure,value` rows, a printable HTML page or PDF.",
            "text/csv",
            "text/html",
            PDF,
            json=GovernanceOut,
        )
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Counts by category, rule, severity and unit; hybrid; time-to; action completion; risk levels.

        Never contains detection details, indicators, source names, locations, titles or any single
        incident. `format=csv` gives `figure,value` rows; `format=html` a printable page; `format=pdf`
        (or `Accept: application/pdf`) the PDF, stamped with the audit chain head hash.
        """
        if args["format"] == "pdf" or wants_pdf():
            return pdf_response("governance", (args.get("from_"), args.get("to")))
        report = governance_report(args.get("from_"), args.get("to"))
        if args["format"] == "csv":
            return Response(
                to_csv(report),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="governance-report.csv"'},
            )
        if args["format"] == "html":
            return Response(render_template("reports/governance_print.html", report=report, rows=flatten(report)))
        return report
