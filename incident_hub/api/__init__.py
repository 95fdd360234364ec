"""The JSON API under /api/v1: flask-smorest blueprints, the OpenAPI spec and local docs."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from werkzeug.exceptions import HTTPException

from incident_hub import hostile_input
from incident_hub.api import envelope, openapi
from incident_hub.api.attachments import UploadAwareRequest, is_upload
from incident_hub.errors import BadJson, UnsupportedMediaType
from incident_hub.ids import IdConverter

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}  # DELETE …/playbooks/{id} takes a reason


class EnvelopeApi(Api):  # type: ignore[misc]
    """flask-smorest's error body has another shape; every error goes through api/envelope.py, and
    the spec documents that envelope (api/openapi.py)."""

    ERROR_SCHEMA = openapi.ErrorEnvelope

    def handle_http_exception(self, error: HTTPException) -> ResponseReturnValue:
        return envelope.handle_http_exception(error)

    def _register_error_handlers(self) -> None:  # smorest would install its own handler
        pass


def _check_json_body() -> None:
    """415 for a body that is not JSON, 400 for JSON that does not parse (intake checks its own)."""
    if request.method not in BODY_METHODS or request.path.startswith("/api/v1/intake/"):
        return
    if not request.path.startswith("/api/") or is_upload(request):
        return  # uploads are multipart (api/attachments.py)
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"
    if not has_body:
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with 'Content-Type: application/json'.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # json.loads on thousands of nested brackets
        raise BadJson("The request body is nested too deeply to be read.")
    if body is None and request.get_data():
        raise BadJson()
    hostile_input.check_json(body)


def _check_text_input() -> None:
    """No NUL character in a query, a form or a path, on every page and endpoint (intake checks its own)."""
    if not request.path.startswith("/api/v1/intake/"):
        hostile_input.check_request(
            request.args, request.form if request.method in BODY_METHODS else None, request.view_args
        )


def _docs() -> ResponseReturnValue:
    return render_template("api_docs.html")


def init_app(app: Flask) -> None:
    from incident_hub.api import (
        actions,
        assessments,
        attachments,
        audit,
        channels,
        exports,
        incidents,
        me,
        notifications,
        observables,
        playbooks,
        reviews,
        sources,
        user_admin,
    )
    from incident_hub.api import dashboard as dashboard_api
    from incident_hub.api import reports as reports_api

    api = EnvelopeApi(
        app,
        spec_kwargs={
            "info": {"description": "incident_hub API (see API.md)"},
            "extra_plugins": [openapi.ErrorResponses()],
            "security": [{"bearer": []}],
        },
    )
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    openapi.register_errors(api.spec)
    api.register_converter(IdConverter, integerconverter2paramschema)
    envelope.init_app(app)
    app.before_request(_check_text_input)
    app.before_request(_check_json_body)
    app.add_url_rule("/api/v1/docs", "api_docs", _docs)
    app.request_class = UploadAwareRequest
    blueprints: tuple[Any, ...] = (
        audit,
        incidents,
        reviews,
        assessments,
        actions,
        playbooks,
        sources,
        dashboard_api,
        reports_api,
        user_admin,
    )
    blueprints += (attachments, observables, exports)  # evidence and sharing (issue 16)
    blueprints += (notifications, channels, me)  # people in the loop (issue 14)
    for blueprint in (module.blp for module in blueprints):
        api.register_blueprint(blueprint, url_prefix="/api/v1" + blueprint.url_prefix_suffix)
    app.extensions["incident_hub_api"] = api
