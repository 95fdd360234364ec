"""`flask demo seed`: demo users and incidents for a first look (refused in production)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from incident_hub.domain.access import Principal
from incident_hub.extensions import db
from incident_hub.models import User
from incident_hub.runtime import settings
from incident_hub.services.admin.users import create_user
from incident_hub.services.incidents.commands import create_incident

demo_cli = AppGroup("demo", help="Demo data.")

DEMO_PASSWORD = "demo-password-1"  # documented in the README; refused in production
DEMO_USERS = (
    ("oict", "oict_responder", "OICT"),
    ("dss", "dss_officer", "DSS"),
    ("manager", "manager", None),
    ("admin", "admin", None),
)
DEMO_INCIDENTS = (
    {
        "title": "Badge readers at HQ disabled by intrusion into access-control servers",
        "description": "Access-control servers compromised; badge readers of building S unlock on their own.",
        "vectors": ["digital"],
        "effects": ["programme_disruption", "premises_security_gap"],
        "deliberate": True,
        "severity": "critical",
        "location": "Geneva HQ, building S",
        "tlp": "TLP:AMBER",
        "detection": {"sensor": "edr-geneva-02", "rule": "ACS-lateral-movement", "indicators": ["10.20.4.17"]},
    },
    {
        "title": "DDoS on the public humanitarian portal",
        "vectors": ["digital"],
        "effects": ["service_outage"],
        "deliberate": True,
        "severity": "high",
        "tlp": "TLP:GREEN",
        "detection": {"sensor": "waf-edge", "rule": "L7-flood", "indicators": ["AS64500"]},
    },
    {
        "title": "Fibre cables cut outside the Nairobi data centre",
        "vectors": ["physical_on_it"],
        "effects": ["service_outage", "premises_security_gap"],
        "deliberate": None,
        "severity": "high",
        "location": "Nairobi, data centre B",
        "tlp": "TLP:AMBER",
    },
    {
        "title": "Suspicious person photographing staff entrance",
        "vectors": ["physical"],
        "effects": ["personnel_harm_risk"],
        "deliberate": True,
        "severity": "medium",
        "location": "New York HQ, 1st Ave entrance",
        "tlp": "TLP:AMBER",
    },
    {
        "title": "Ransomware on finance servers; lifts and doors in annex offline",
        "vectors": ["digital"],
        "effects": ["programme_disruption", "personnel_harm_risk", "data_compromise"],
        "deliberate": True,
        "severity": "critical",
        "location": "Vienna, annex",
        "tlp": "TLP:RED",
        "detection": {"sensor": "edr-vienna", "rule": "ransom-note", "indicators": ["sha256:9f2c…"]},
    },
)


@demo_cli.command("seed")
def seed() -> None:
    """Create one user per role (password in the README), a source of each format, and incidents."""
    if settings().is_production:
        click.echo("error: demo data is refused in production", err=True)
        sys.exit(1)
    if db.session.execute(select(User).where(User.username == "oict")).scalar_one_or_none():
        click.echo("demo data already present")
        return
    for username, role, unit in DEMO_USERS:
        create_user(username, role, unit, DEMO_PASSWORD, actor="demo")
        click.echo(f"user {username:8} role {role:15} password {DEMO_PASSWORD}")
    seed_extras()
    author = Principal(0, "oict", "oict_responder", "OICT")
    for data in DEMO_INCIDENTS:
        incident = create_incident(author, dict(data))
        click.echo(f"incident {incident.id}: {incident.rule} lead {incident.lead_unit} · {incident.title}")


def seed_extras() -> None:
    """Sources, assessments and other demo records that later features add."""
    from incident_hub.cli.demo_assessments import seed_assessments
    from incident_hub.cli.sources import seed_demo_sources

    seed_demo_sources()
    seed_assessments()
