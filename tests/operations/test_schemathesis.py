"""Schemathesis over the served OpenAPI spec (issue 15, item 5 and finding 5), in the normal test run.

For a token of each role and for no token at all, every operation of `/api/v1/openapi.json` gets
Hypothesis-generated requests, valid ones and invalid ones (bounded examples, derandomised, so a run
is repeatable), against a database seeded with one of everything so that ids in paths find objects.
Every answer must be in the spec: no 5xx, a documented status code, a documented content type, a
body that matches the documented schema and documented headers. The failures are collected over all
operations and reported together, with a curl line each.

Not generated: `POST /channels/{id}/test`, which posts to the channel's URL (a fuzzed channel could
point anywhere; the suite sends traffic to loopback only; tests/notify covers it against a local
receiver).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from incident_hub import runtime
from incident_hub.services.evidence.attachments import STORE_KEY
from incident_hub.services.evidence.store import FolderStore

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))  # per operation, mode and role
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
NOT_GENERATED = {("POST", "/api/v1/channels/{channel_id}/test")}
ROLES = {
    "oict_responder": "OICT",
    "dss_officer": "DSS",
    "manager": None,
    "admin": None,
    "anonymous": None,
}


@pytest.fixture
def attachment_folder(app: Any, tmp_path: Any) -> Iterator[None]:
    caches = app.extensions[runtime.EXTENSION_KEY].caches
    previous = caches[STORE_KEY]
    caches[STORE_KEY] = FolderStore(tmp_path / "attachments")
    yield
    caches[STORE_KEY] = previous


def seed(admin: Any) -> dict[str, Any]:
    """One of everything, made through the API; returns the path parameters that name them."""

    def made(response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), (response.status_code, response.get_data(as_text=True)[:300])
        return response.get_json()

    facts = {"vectors": ["digital", "physical"], "effects": ["personnel_harm_risk"], "deliberate": True}
    hybrid = made(admin.post("/api/v1/incidents", {"title": "Badge cloning and VPN", "severity": "high", **facts}))
    cyber = made(admin.post("/api/v1/incidents", {"title": "Phishing", "vectors": ["digital"], "tlp": "TLP:GREEN"}))
    for incident in (hybrid, cyber):
        made(admin.post(f"/api/v1/incidents/{incident['id']}/timeline", {"body": "first look"}))
        made(admin.post(f"/api/v1/incidents/{incident['id']}/observables", {"type": "ipv4", "value": "192.0.2.7"}))
    made(admin.put(f"/api/v1/incidents/{cyber['id']}/techniques", {"techniques": ["T1566.001"]}))
    assessment = made(admin.post("/api/v1/assessments", {"incident_id": hybrid["id"], "title": "Joint"}))
    threat = made(
        admin.post(
            f"/api/v1/assessments/{assessment['id']}/threats",
            {"title": "Tailgating", "domain": "physical", "likelihood": 3, "impact": 4},
        )
    )
    measure = made(
        admin.post(
            f"/api/v1/assessments/{assessment['id']}/threats/{threat['id']}/measures",
            {"kind": "prevention", "description": "Turnstile", "owner_unit": "DSS", "track_as_action": True},
        )
    )
    review = made(admin.put(f"/api/v1/incidents/{hybrid['id']}/review", {"findings": [{"text": "badges"}]}))
    source = made(admin.post("/api/v1/sources", {"name": "prom", "format": "alertmanager"}))
    channel = made(
        admin.post(
            "/api/v1/channels",
            {"unit": "DSS", "kind": "teams", "url": "https://127.0.0.1:9/hook", "events": ["incident.routed"]},
        )
    )
    file = {"file": (io.BytesIO(b"plain evidence\n"), "notes.txt")}
    upload = admin.client.post(
        f"/api/v1/incidents/{hybrid['id']}/attachments",
        data=file,
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    attachment = made(upload)
    observable = admin.get(f"/api/v1/incidents/{hybrid['id']}/observables").get_json()["items"][0]
    event = admin.get(f"/api/v1/incidents/{hybrid['id']}/timeline").get_json()["items"][0]
    return {
        "incident_id": hybrid["id"],
        "object_id": hybrid["id"],
        "event_id": event["id"],
        "assessment_id": assessment["id"],
        "threat_id": threat["id"],
        "measure_id": measure["id"],
        "number": 1,
        "action_id": measure["action_id"],
        "finding_id": review["findings"][0]["id"],
        "playbook_id": 1,
        "source_id": source["id"],
        "source": source["name"],
        "channel_id": channel["id"],
        "attachment_id": attachment["id"],
        "observable_id": observable["id"],
        "user_id": admin.user.id,
        "notification_id": 1,
    }


def fuzz(schema: Any, headers: dict[str, str], seeded: dict[str, Any], examples: int) -> tuple[Counter[int], list[str]]:
    """Every operation: valid requests on the seeded objects, invalid ones anywhere; returns
    (statuses answered, failures)."""
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NOT_GENERATED:
            continue
        names = [p.name for p in operation.path_parameters]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fixed = {n: seeded[n] for n in names} if mode is GenerationMode.POSITIVE else None
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
            label = f"{operation.method.upper()} {operation.path} ({mode.value})"
            fuzz_one(strategy, label, headers, examples, statuses, failures)
    return statuses, failures


def fuzz_one(
    strategy: Any, label: str, headers: dict[str, str], examples: int, statuses: Counter[int], failures: list[str]
) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (FailureGroup, Exception) as failure:  # every failure of every operation is reported
            failures.append(f"{label}: {failure}")

    run()


@pytest.mark.parametrize("role", list(ROLES))
def test_every_answer_is_in_the_spec(app, login_as, attachment_folder, role):
    admin = login_as("admin", None, "fuzz-admin")
    seeded = seed(admin)
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, headers={"Authorization": f"Bearer {admin.token}"}
    )
    if role in ("admin", "anonymous"):
        caller = admin if role == "admin" else None
    else:
        caller = login_as(role, ROLES[role], f"fuzz-{role}")
    headers = {"Authorization": f"Bearer {caller.token}"} if caller is not None else {}
    examples = EXAMPLES if caller is not None else 2  # without a token every answer is the same 401
    statuses, failures = fuzz(schema, headers, seeded, examples)
    cases = sum(statuses.values())
    print(f"schemathesis {role}: {cases} cases, {len(failures)} failures, statuses {sorted(statuses.items())}")
    assert cases >= 90 * 2 * examples * 0.9  # operations × modes × examples (a few duplicates are skipped)
    assert not failures, "\n\n".join(failures[:20]) + f"\n\n{len(failures)} failures in {cases} cases"
