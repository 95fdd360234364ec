"""The findings of the outside test run (issue 15), one test each, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import func, select

from incident_hub import create_app
from incident_hub.extensions import db
from incident_hub.models import Incident, TimelineEvent
from tests.conftest import make_settings
from tests.factories import make_incident
from tests.intake.factories import make_source
from tests.web.support import login
from tests.web.test_forms import HYBRID_FORM

HUGE = 99999999999


def error_of(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert body["error"]["status"] == status
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def incident_count() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(Incident)).scalar_one()


# Finding 1: integers too large for the column


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/incidents/{HUGE}",
        f"/api/v1/actions/{HUGE}",
        f"/api/v1/assessments/{HUGE}",
        f"/api/v1/playbooks/{HUGE}",
        f"/api/v1/sources/{HUGE}",
        f"/api/v1/incidents/1/timeline/{HUGE}",
        f"/api/v1/assessments/1/versions/{HUGE}",
        f"/api/v1/incidents/{10**30}",
        "/api/v1/incidents/2147483648",
    ],
)
def test_finding_1_an_id_too_large_is_a_404(as_admin, path):
    error_of(as_admin.get(path), 404, "not_found")


def test_finding_1_large_ids_in_queries_and_bodies_are_field_errors(as_manager):
    assert error_of(as_manager.get(f"/api/v1/actions?incident_id={HUGE}"), 422)["details"]["fields"] == {
        "incident_id": ["Must be greater than or equal to 1 and less than or equal to 2147483647."]
    }
    made = as_manager.post("/api/v1/assessments", {"incident_id": HUGE, "title": "x"})
    assert "incident_id" in error_of(made, 422)["details"]["fields"]
    page = error_of(as_manager.get("/api/v1/incidents?page=100000000000000000000"), 422)
    assert "page" in page["details"]["fields"]
    assert as_manager.get("/api/v1/incidents?page=1000000").get_json()["items"] == []  # in range: an empty page


def test_finding_1_pages_with_large_ids(app):
    browser = login(app, "manager")
    assert browser.get(f"/incidents/{HUGE}").status_code == 404
    assert browser.get(f"/playbooks/{HUGE}").status_code == 404
    assert browser.get(f"/assessments?incident_id={HUGE}").status_code == 200
    assert browser.get(f"/assessments/{HUGE}").status_code == 404
    assert browser.get("/incidents?page=100000000000000000000").status_code == 200


# Finding 2: NUL characters


def test_finding_2_nul_in_json_query_and_comment_is_a_422_naming_the_field(as_oict):
    before = incident_count()
    made = as_oict.post("/api/v1/incidents", {"title": "nul\u0000byte", "vectors": ["digital"]})
    assert error_of(made, 422, "validation_error")["details"]["fields"] == {
        "title": ["must not contain a NUL character"]
    }
    nested = as_oict.post(
        "/api/v1/incidents", {"title": "t", "vectors": ["digital"], "detection": {"indicators": ["a\u0000"]}}
    )
    assert "detection.indicators.0" in error_of(nested, 422)["details"]["fields"]
    assert "q" in error_of(as_oict.get("/api/v1/incidents?q=a%00b"), 422)["details"]["fields"]
    incident = make_incident()
    comment = as_oict.post(f"/api/v1/incidents/{incident.id}/timeline", {"body": "hello\u0000"})
    assert "body" in error_of(comment, 422)["details"]["fields"]
    assert incident_count() == before + 1  # only the factory's
    assert (
        db.session.execute(
            select(func.count()).select_from(TimelineEvent).where(TimelineEvent.body.contains("hello"))
        ).scalar_one()
        == 0
    )


def test_finding_2_nul_in_the_new_incident_form(app):
    browser = login(app, "oict_responder", "OICT")
    before = incident_count()
    response = browser.post("/incidents/new", {**HYBRID_FORM, "title": "nul\u0000byte"}, csrf_page="/incidents/new")
    assert response.status_code == 422
    assert "title" in response.get_data(as_text=True) and "NUL" in response.get_data(as_text=True)
    assert incident_count() == before


# Finding 3: deeply nested JSON


@pytest.mark.parametrize("depth", [100_000, 1_000, 40])
def test_finding_3_deeply_nested_json_is_a_400_bad_json(as_admin, client, depth):
    incident = make_incident()
    body = "[" * depth + "]" * depth
    before = incident_count()
    for method, path in (
        ("POST", "/api/v1/incidents"),
        ("PATCH", f"/api/v1/incidents/{incident.id}"),
        ("POST", "/api/v1/assessments"),
        ("POST", "/api/v1/playbooks/import"),
        ("POST", f"/api/v1/incidents/{incident.id}/transitions"),
    ):
        response = as_admin.request(method, path, data=body, content_type="application/json")
        error_of(response, 400, "bad_json")
    deep: object = "x"
    for _ in range(40):
        deep = [deep]
    nested = as_admin.post("/api/v1/incidents", {"title": "t", "vectors": ["digital"], "detection": {"x": deep}})
    error_of(nested, 400, "bad_json")
    source, secret = make_source("alertmanager")
    intake = client.post(
        f"/api/v1/intake/{source.name}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert intake.status_code == 400  # past 32 levels, like the API's bodies (hostile_input.check_depth)
    assert intake.get_json()["error"]["code"] == "bad_json"
    assert incident_count() == before


# Finding 4: the database down


@pytest.fixture
def down_app(database_url, tmp_path, _migrated_app):
    if database_url.startswith("sqlite"):
        dead = f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it
    else:
        dead = "postgresql://postgres@127.0.0.1:9/nothing?connect_timeout=2"  # nothing listens on port 9
    return create_app(make_settings(dead))


def test_finding_4_every_path_answers_503_with_retry_after_while_the_database_is_down(down_app):
    client = down_app.test_client()
    token = {"Authorization": "Bearer ih_anything"}
    for method, path, body in (
        ("GET", "/api/v1/incidents", None),
        ("POST", "/api/v1/incidents", {"title": "t", "vectors": ["digital"]}),
        ("GET", "/api/v1/actions", None),
        ("POST", "/api/v1/intake/prom", {"alerts": []}),
        ("GET", "/readyz", None),
    ):
        response = client.open(path, method=method, json=body, headers=token)
        error = error_of(response, 503, "unavailable")
        assert int(response.headers["Retry-After"]) > 0, path
        assert error["message"]
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session["_fresh"] = True
    page = client.get("/incidents")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200  # the process is up; readiness says the rest


def test_a_database_host_that_accepts_and_never_answers_costs_a_503_not_a_stuck_worker():
    """A PostgreSQL host that stops answering (here: a loopback port that accepts the connection
    and then says nothing) answers 503 after DATABASE_TIMEOUT_SECONDS instead of holding the
    worker for the TCP retry time."""
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    app = create_app(make_settings(f"postgresql://postgres@127.0.0.1:{port}/x", database_timeout_seconds=1))
    answers: list[int] = []
    asking = threading.Thread(target=lambda: answers.append(app.test_client().get("/readyz").status_code))
    try:
        asking.start()
        asking.join(timeout=60)  # a guard against a hang, far beyond the 1 s set
        assert not asking.is_alive(), "the request still waits for a database that never answers"
        assert answers == [503]
    finally:
        silent.close()
        asking.join()


# Finding 6: HSTS, and gunicorn's request-line limits (tests/operations/test_deploy_files.py checks the values)


def test_finding_6_hsts_in_production(database_url, _migrated_app):
    production = create_app(make_settings(database_url, session_cookie_secure=True))
    for path in ("/healthz", "/login", "/api/v1/incidents"):
        assert "max-age=" in production.test_client().get(path).headers["Strict-Transport-Security"]
