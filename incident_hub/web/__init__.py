"""Server-rendered pages (Jinja, no build step, every asset served by the app)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("web", __name__)


def init_app(app: Flask) -> None:
    from incident_hub.web import auth  # noqa: F401  (registers the views on bp)

    app.register_blueprint(bp)
