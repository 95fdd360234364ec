"""The OpenAPI spec and the interactive docs, served with local assets only."""

from __future__ import annotations

import pytest


def test_openapi_spec_is_served_and_lists_the_audit_path(as_manager):
    response = as_manager.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["info"]["title"] == "incident_hub"
    assert "/api/v1/audit" in spec["paths"]


def test_openapi_needs_a_login(client):
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_docs_use_only_local_assets(as_manager):
    page = as_manager.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page
    asset = as_manager.client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


@pytest.mark.parametrize("path", ["/api/v1/incidents", "/api/v1/actions"])
def test_long_lists_document_keyset_paging_and_estimated_totals(as_manager, path):
    spec = as_manager.get("/api/v1/openapi.json").get_json()
    listing = spec["paths"][path]["get"]
    assert "after" in {p["name"] for p in listing["parameters"]}
    schema = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"total", "total_is_estimate", "next_cursor"} <= set(spec["components"]["schemas"][schema]["properties"])
