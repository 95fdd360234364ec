"""Intake from monitoring tools (DOMAIN.md "Intake from monitoring tools"; API.md "Intake").

`init_app` registers the plain Flask blueprint for POST /api/v1/intake/<source>; the admin
API for sources lives in api/sources.py.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from incident_hub.intake.views import bp

    app.register_blueprint(bp)
