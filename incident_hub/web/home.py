"""`/`: my work — my unit's open incidents, my open actions, the overdue ones."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from incident_hub.auth import current_principal
from incident_hub.clock import utcnow
from incident_hub.services.actions.board import my_work
from incident_hub.services.actions.queries import overdue_now
from incident_hub.web.blueprint import bp


@bp.get("/")
def home() -> ResponseReturnValue:
    now = utcnow()
    principal = current_principal()
    return render_template(
        "home_work.html", work=my_work(principal, now), now=now, overdue_total=overdue_now(principal, now)
    )
