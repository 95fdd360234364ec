"""Every error under /api/ is the JSON envelope of API.md, never an HTML page."""

from __future__ import annotations

import pytest


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


def test_unknown_route_is_404_envelope(as_manager):
    assert_envelope(as_manager.get("/api/v1/no-such-thing"), 404, "not_found")


def test_unknown_route_is_404_even_anonymous(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code in (401, 404)
    assert response.mimetype == "application/json"


def test_wrong_method_is_405_envelope(as_manager):
    assert_envelope(as_manager.delete("/api/v1/audit"), 405, "method_not_allowed")


def test_unparseable_json_is_400_bad_json(as_manager):
    response = as_manager.post("/api/v1/audit", data="{not json", headers={"Content-Type": "application/json"})
    assert_envelope(response, 400, "bad_json")


def test_non_json_body_is_415(as_manager):
    response = as_manager.post(
        "/api/v1/audit", data="a=b", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_envelope(response, 415, "unsupported_media_type")


def test_body_over_the_limit_is_413(as_manager, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = as_manager.post("/api/v1/audit", data="x" * (limit + 1), headers={"Content-Type": "application/json"})
    assert_envelope(response, 413, "payload_too_large")


@pytest.mark.parametrize("query", ["page=0", "per_page=501", "per_page=abc", "after=yesterday"])
def test_bad_query_parameters_are_422_naming_the_field(as_manager, query):
    error = assert_envelope(as_manager.get(f"/api/v1/audit?{query}"), 422, "validation_error")
    assert query.split("=")[0] in error["details"]["fields"]


def test_no_stack_trace_on_unexpected_error(app, as_manager, monkeypatch):
    import incident_hub.api.audit as audit_api

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(audit_api, "list_entries", boom)
    error = assert_envelope(as_manager.get("/api/v1/audit"), 500, "internal_error")
    assert "secret internals" not in str(error)
