"""Demo: a prevention assessment of a premises (no incident), signed by DSS. The hybrid demo
incidents get their joint assessments automatically (R3)."""

from __future__ import annotations

from datetime import timedelta

import click

from incident_hub.clock import utcnow
from incident_hub.domain.access import Principal
from incident_hub.services.admin.users import get_user_by_name, principal_of
from incident_hub.services.assessments.commands import create_assessment, sign_assessment
from incident_hub.services.assessments.threats import add_measure, add_threat


def seed_assessments() -> None:
    dss: Principal = principal_of(get_user_by_name("dss"))
    a = create_assessment(
        dss,
        {
            "subject": "Nairobi, data centre B perimeter",
            "title": "Perimeter and access to data centre B",
            "review_due_at": utcnow() + timedelta(days=90),
        },
    )
    t = add_threat(
        dss,
        a.id,
        {"title": "Cable vault left unlocked", "domain": "physical", "likelihood": 3, "impact": 4, "description": ""},
    )
    add_measure(
        dss,
        a.id,
        t.id,
        {
            "kind": "prevention",
            "description": "Lock and alarm the cable vault; key log at the guard post",
            "owner_unit": "DSS",
            "residual_likelihood": 1,
            "residual_impact": 4,
            "due_at": utcnow() + timedelta(days=14),
            "track_as_action": True,
        },
    )
    sign_assessment(dss, a.id, "Reviewed on site.")
    click.echo(f"assessment {a.id}: {a.subject} (signed by DSS)")
