"""The served OpenAPI spec describes the service (outside test run, finding 5): every answer with its
schema, every error as the envelope, request bodies as accepted, the report's other formats; and a
client that follows the spec gets answers that match it (schemathesis validates each one)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from incident_hub.clock import to_iso

METHODS = ("get", "post", "put", "patch", "delete")
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def spec(as_admin) -> dict[str, Any]:
    return as_admin.get("/api/v1/openapi.json").get_json()


def operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def request_schema(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return resolve(spec, body)


def test_every_operation_documents_its_success_answer(spec):
    count = 0
    for path, method, operation in operations(spec):
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert successes, (method, path)
        for status, response in successes.items():
            response = resolve(spec, response)
            if status == "204":
                assert "content" not in response, (method, path)
                continue
            assert response.get("content"), (method, path, status)
            for media_type, content in response["content"].items():
                assert "schema" in content, (method, path, status, media_type)
        count += 1
    assert count >= 90


def test_every_error_is_documented_as_the_envelope(spec):
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's own shape is gone
    envelope = spec["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error"]
    body = resolve(spec, envelope["properties"]["error"])
    assert set(body["required"]) == {"status", "code", "message", "details"}
    for path, method, operation in operations(spec):
        errors = {s: resolve(spec, r) for s, r in operation["responses"].items() if not s.startswith("2")}
        assert "default" in errors and "503" in errors and "422" in errors, (method, path)
        if not path.startswith("/api/v1/intake/"):
            assert {"401", "403"} <= set(errors), (method, path)
        if "{" in path:
            assert "404" in errors or path.startswith("/api/v1/intake/"), (method, path)
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (method, path, status)
        assert "Retry-After" in errors["503"]["headers"]


@pytest.mark.parametrize(
    ("path", "method", "derived"),
    [
        ("/api/v1/incidents", "post", {"id", "classification", "routing", "status", "hybrid", "rule", "created_at"}),
        ("/api/v1/incidents/{incident_id}", "patch", {"id", "classification", "routing", "status", "created_at"}),
        ("/api/v1/assessments", "post", {"id", "joint", "status"}),
        ("/api/v1/assessments/{assessment_id}", "patch", {"joint", "status"}),
        ("/api/v1/assessments/{assessment_id}/threats", "post", {"id", "risk_level"}),
        ("/api/v1/assessments/{assessment_id}/threats/{threat_id}", "patch", {"risk_level"}),
        (
            "/api/v1/assessments/{assessment_id}/threats/{threat_id}/measures",
            "post",
            {"id", "residual_risk_level", "action_id"},
        ),
        ("/api/v1/incidents/{incident_id}/review", "put", {"status", "joint", "signoffs"}),
    ],
)
def test_request_bodies_list_only_what_a_client_may_send(spec, path, method, derived):
    schema = request_schema(spec, path, method)
    assert schema["properties"], (method, path)
    assert not derived & set(schema["properties"]), (method, path)
    assert schema.get("additionalProperties") is False  # unknown fields are refused, and the spec says so


def test_derived_fields_are_still_refused_by_name(as_oict):
    incident = as_oict.post("/api/v1/incidents", {"title": "t", "vectors": ["digital"], "routing": {}, "id": 4})
    assert incident.status_code == 422
    assert set(incident.get_json()["error"]["details"]["fields"]) == {"routing", "id"}
    made = as_oict.post("/api/v1/assessments", {"subject": "Gate", "title": "t"}).get_json()
    threat = as_oict.post(
        f"/api/v1/assessments/{made['id']}/threats",
        {"title": "x", "domain": "physical", "likelihood": 2, "impact": 2, "risk_level": "low"},
    )
    assert threat.status_code == 422
    assert "derived" in threat.get_json()["error"]["details"]["fields"]["risk_level"][0]


def test_the_governance_report_documents_each_format(spec):
    operation = spec["paths"]["/api/v1/reports/governance"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv", "text/html", "application/pdf"}
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/GovernanceOut"}
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["format"]["schema"]["enum"] == ["json", "html", "csv", "pdf"]
    assert {"from", "to"} <= set(params)
    for path in ("/api/v1/incidents/{incident_id}", "/api/v1/incidents/{incident_id}/review"):
        assert set(spec["paths"][path]["get"]["responses"]["200"]["content"]) == {
            "application/json",
            "application/pdf",
        }


def test_query_parameters_are_documented(spec):
    params = {p["name"] for p in spec["paths"]["/api/v1/incidents"]["get"]["parameters"]}
    assert {"page", "per_page", "sort", "q", "status", "lead_unit", "hybrid", "created_after"} <= params
    sort = next(p for p in spec["paths"]["/api/v1/incidents"]["get"]["parameters"] if p["name"] == "sort")
    assert "default" not in sort["schema"] or sort["schema"]["default"] in sort["schema"]["enum"]


def test_a_client_that_follows_the_spec_gets_answers_that_match_it(app, as_admin, as_dss):
    """The main flows, as a generated client would make them, each answer checked against the spec."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, headers={"Authorization": f"Bearer {as_admin.token}"}
    )
    auth = {"Authorization": f"Bearer {as_admin.token}"}
    dss = {"Authorization": f"Bearer {as_dss.token}"}  # sees a cyber threat as restricted: documented too

    def call(path: str, method: str, expect: int, caller_auth: dict[str, str] = auth, **parts: Any) -> Any:
        case = schema[path][method].Case(**parts)
        response = case.call(headers=caller_auth)
        case.validate_response(response, checks=CHECKS, headers=caller_auth)
        assert response.status_code == expect, (method, path, response.text[:300])
        content_type = response.headers.get("content-type", [""])[0]
        return response.json() if content_type.startswith("application/json") else response

    facts = {"title": "Badge cloning", "vectors": ["digital", "physical"], "effects": ["personnel_harm_risk"]}
    incident = call("/api/v1/incidents", "POST", 201, body={**facts, "deliberate": True, "severity": "high"})
    ids = {"incident_id": incident["id"]}
    call("/api/v1/incidents/{incident_id}", "GET", 200, path_parameters=ids)
    call("/api/v1/incidents/{incident_id}", "GET", 200, path_parameters=ids, headers={"Accept": "application/pdf"})
    call("/api/v1/incidents", "GET", 200, query={"q": "badge", "per_page": 5})
    call("/api/v1/incidents/{incident_id}/transitions", "POST", 200, path_parameters=ids, body={"to": "acknowledged"})
    call("/api/v1/incidents/{incident_id}/transitions", "POST", 409, path_parameters=ids, body={"to": "closed"})
    call("/api/v1/incidents/{incident_id}/timeline", "POST", 201, path_parameters=ids, body={"body": "on it"})
    call("/api/v1/incidents/{incident_id}/timeline", "GET", 200, path_parameters=ids)
    assessment = call("/api/v1/assessments", "POST", 201, body={"incident_id": incident["id"], "title": "Joint"})
    aid = {"assessment_id": assessment["id"]}
    threat = call(
        "/api/v1/assessments/{assessment_id}/threats",
        "POST",
        201,
        path_parameters=aid,
        body={"title": "VPN", "domain": "cyber", "likelihood": 4, "impact": 5},
    )
    call("/api/v1/assessments/{assessment_id}", "GET", 200, path_parameters=aid, caller_auth=dss)
    call(
        "/api/v1/assessments/{assessment_id}/threats/{threat_id}",
        "GET",
        200,
        path_parameters={**aid, "threat_id": threat["id"]},
        caller_auth=dss,
    )
    call("/api/v1/actions", "GET", 200, query={"incident_id": incident["id"]})
    call("/api/v1/dashboard", "GET", 200)
    for fmt in ("json", "csv", "html"):
        call("/api/v1/reports/governance", "GET", 200, query={"format": fmt})
    call("/api/v1/incidents/{incident_id}", "GET", 404, path_parameters={"incident_id": 999999})
    call("/api/v1/incidents", "POST", 422, body={"title": "", "vectors": []})
    call("/api/v1/incidents", "GET", 401, caller_auth={})


def test_times_are_iso_8601_with_four_digit_years():
    assert to_iso(datetime(856, 3, 1, 4, 19, 19, tzinfo=UTC)) == "0856-03-01T04:19:19Z"  # not "856-03-01…"
    assert to_iso(datetime(2026, 11, 30, 8, 1, 2, 345, tzinfo=UTC)) == "2026-11-30T08:01:02.000345Z"


EAST_OF_YEAR_ONE = {"title": "t", "vectors": ["digital"], "occurred_at": "0001-01-01T00:00:00+05:00"}
WEST_OF_YEAR_9999 = {"title": "t", "vectors": ["digital"], "occurred_at": "9999-12-31T23:59:59-05:00"}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/v1/incidents", EAST_OF_YEAR_ONE, "occurred_at"),
        ("POST", "/api/v1/incidents", WEST_OF_YEAR_9999, "occurred_at"),
        ("GET", "/api/v1/incidents?created_after=0001-01-01T00:00:00%2B05:00", None, "created_after"),
        ("GET", "/api/v1/actions?due_before=9999-12-31T23:59:59-05:00", None, "due_before"),
        ("GET", "/api/v1/audit?after=0001-01-01T00:00:00%2B01:00", None, "after"),
    ],
)  # fmt: skip
def test_moments_the_database_cannot_hold_are_field_errors(as_admin, method, path, body, field):
    """Found by the schemathesis run: converting these to UTC overflowed (500)."""
    response = as_admin.request(method, path, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert field in response.get_json()["error"]["details"]["fields"]
