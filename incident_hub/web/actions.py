"""`/actions`: the actions board, by status, overdue highlighted, "mine" filter.

Read-only for now: the action lifecycle service (transitions) belongs to the playbooks branch
(services/actions.py). When it lands, add a POST view here calling it and a form per card
(`templates/actions/board.html` has the slot).
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.domain.lifecycle import ACTION_STATUSES
from incident_hub.services.action_board import board, is_overdue
from incident_hub.web import bp


@bp.get("/actions")
def actions_board() -> ResponseReturnValue:
    mine = request.args.get("mine") == "1"
    now = utcnow()
    result = board(current_principal(), mine)
    columns = {s: [(a, is_overdue(a, now)) for a in result.columns[s]] for s in ACTION_STATUSES}
    return render_template("actions/board.html", columns=columns, totals=result.totals, mine=mine)
