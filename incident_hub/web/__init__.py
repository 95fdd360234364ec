"""Server-rendered pages (Jinja, no build step, every asset served by the app).

Adding an area (assessments, playbooks) is: a module here that registers its views on `bp`,
an import in `init_app`, a `NavItem` in `NAV` (web/blueprint.py), and optionally an `INCIDENT_PANELS` entry
(a template included on the incident page with the incident's view and the principal).
"""

from __future__ import annotations

from flask import Flask

from incident_hub.web.blueprint import bp


def init_app(app: Flask) -> None:
    from incident_hub.web import (  # noqa: F401  (registers views)
        action_page,
        actions,
        admin,
        admin_source_page,
        admin_sources,
        admin_user_page,
        assessment_items,
        assessments,
        auth,
        evidence,
        home,
        incident_playbooks,
        incidents,
        language,
        manage,
        mfa,
        notifications,
        oidc,
        playbooks,
        reviews,
    )

    oidc.init_oidc(app)
    app.register_blueprint(bp)
