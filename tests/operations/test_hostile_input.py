"""Hostile input (issue 15, item 5), beside the schemathesis run: the intake parsers fuzzed with
random and mutated payloads, SQL-injection strings in every filter and sort, XSS strings in every text
field on every page, invalid UTF-8, deeply nested JSON on every body, and page numbers out of range.
Never a 5xx; a refusal changes nothing."""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from incident_hub.errors import ValidationError
from incident_hub.extensions import db
from incident_hub.intake.adapters import PARSERS
from incident_hub.models import Alert, AuditEntry, Delivery, Incident, TimelineEvent
from incident_hub.services.admin.audit import verify_chain
from tests.intake.factories import PAYLOADS, make_source, post
from tests.web.support import login

FORMATS = tuple(PARSERS)
TABLES = (Delivery, Alert, Incident, TimelineEvent, AuditEntry)
TRICKY_TEXT = [
    "",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2025-13-45T99:99:99Z",
    "firing",
    "resolved",
    "\u202e\ufeff",
    "x" * 5000,
    "' OR 1=1 --",
]
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON_VALUES = st.recursive(
    SCALARS | st.sampled_from(TRICKY_TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
SQL_INJECTION = [
    "' OR '1'='1",
    "1; DROP TABLE incidents; --",
    '" OR 1=1 --',
    "') UNION SELECT username, password_hash FROM users --",
    "1' AND pg_sleep(0)::text = '",
    "title DESC; DELETE FROM audit_entries",
    "-created_at,(SELECT 1)",
    "*",
    "%",
]
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
RAW_XSS = re.compile(r"<script>alert|<img src=x onerror", re.IGNORECASE)


def counts() -> dict[str, int]:
    db.session.rollback()
    return {t.__tablename__: db.session.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def paths_of(payload: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(payload, dict):
        for key, value in payload.items():
            found += paths_of(value, (*prefix, key))
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            found += paths_of(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: Any, fmt: str) -> Any:
    """A realistic payload with one to three of its values replaced by random JSON, or removed."""
    payload = copy.deepcopy(PAYLOADS[fmt])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths_of(payload)))
        if not path:
            return draw(JSON_VALUES)
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
        if not isinstance(payload, dict):
            break
    return payload


def payloads(fmt: str) -> Any:
    return mutated(fmt) | st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=5) | JSON_VALUES


# The three intake parsers, pure: a delivery is parsed or refused field by field, nothing else.


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(data=st.data())
def test_intake_parsers_parse_or_name_the_fields(fmt, data):
    payload = data.draw(mutated(fmt) | st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=5))
    if not isinstance(payload, dict):
        return
    try:
        parsed = PARSERS[fmt](payload)
    except ValidationError as error:
        assert error.status == 422 and error.details["fields"]
        return
    assert all(alert.status in ("firing", "resolved") and alert.fingerprint for alert in parsed.alerts)


# The same through HTTP, signed, on both databases: 2xx stores it, anything else changes nothing.


@pytest.mark.parametrize("fmt", FORMATS)
def test_intake_over_http_never_answers_5xx_and_refusals_write_nothing(app, client, fmt):
    source, secret = make_source(fmt)
    answered: set[int] = set()

    @settings(
        max_examples=40,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=payloads(fmt))
    def deliver(payload: Any) -> None:
        before = counts()
        response = post(client, source, secret, payload)
        answered.add(response.status_code)
        assert response.status_code in (200, 202, 400, 413, 415, 422), (response.status_code, payload)
        if response.status_code >= 400:
            assert response.get_json()["error"]["status"] == response.status_code
            assert counts() == before, payload

    deliver()
    assert 422 in answered  # most mutations break the shape


# SQL injection: every query parameter of every API list and page, and the sort keys.


def seed(as_admin: Any) -> dict[str, int]:
    """One incident, assessment, action and comment, with XSS in every text field a person reads."""
    facts = {"vectors": ["digital", "physical"], "effects": ["personnel_harm_risk"], "deliberate": True}
    detection = {"sensor": XSS, "rule": XSS, "indicators": [XSS]}
    incident = as_admin.post(
        "/api/v1/incidents",
        {"title": XSS, "description": XSS, "location": XSS, "detection": detection, **facts},
    ).get_json()
    iid = incident["id"]
    assert as_admin.post(f"/api/v1/incidents/{iid}/timeline", {"body": XSS}).status_code == 201
    obs = {"type": "user_account", "value": "xss-user", "comment": XSS}
    assert as_admin.post(f"/api/v1/incidents/{iid}/observables", obs).status_code == 201
    assessment = as_admin.post("/api/v1/assessments", {"incident_id": iid, "title": XSS}).get_json()
    aid = assessment["id"]
    threat = as_admin.post(
        f"/api/v1/assessments/{aid}/threats",
        {"title": XSS, "description": XSS, "domain": "physical", "likelihood": 3, "impact": 3},
    ).get_json()
    measure = as_admin.post(
        f"/api/v1/assessments/{aid}/threats/{threat['id']}/measures",
        {"kind": "prevention", "description": XSS, "owner_unit": "DSS", "track_as_action": True},
    ).get_json()
    action_id = measure["action_id"]
    assert as_admin.post(f"/api/v1/actions/{action_id}/comments", {"body": XSS}).status_code == 201
    assert as_admin.patch(f"/api/v1/actions/{action_id}", {"title": XSS}).status_code == 200
    review = {"summary": XSS, "went_well": XSS, "went_badly": XSS, "root_cause": XSS, "findings": [{"text": XSS}]}
    review["key_moments"] = [{"at": "2026-11-20T08:00:00Z", "what": XSS}]
    assert as_admin.put(f"/api/v1/incidents/{iid}/review", review).status_code in (200, 201)
    upload = as_admin.client.post(
        f"/api/v1/incidents/{iid}/attachments",
        data={"file": (io.BytesIO(b"notes\n"), f"{XSS}.txt"), "description": XSS},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {as_admin.token}"},
    )
    assert upload.status_code == 201, upload.get_data(as_text=True)
    return {"incident_id": iid, "assessment_id": aid, "action_id": action_id, "playbook_id": 1}


def list_operations(spec: dict[str, Any]) -> list[tuple[str, list[str], dict[str, str]]]:
    """(path, query parameter names, a value for each required one) of every GET with query
    parameters and no path parameter."""
    found = []
    for path, item in spec["paths"].items():
        params = [p for p in item.get("get", {}).get("parameters", []) if p["in"] == "query"]
        if params and "{" not in path:
            required = {p["name"]: "192.0.2.7" for p in params if p.get("required")}
            found.append((path, [p["name"] for p in params], required))
    return found


def audit_intact() -> bool:
    db.session.rollback()
    checked, broken = verify_chain()
    return checked > 0 and broken is None


@pytest.fixture
def seeded(app, as_admin, tmp_path):
    from incident_hub import runtime
    from incident_hub.services.evidence.attachments import STORE_KEY
    from incident_hub.services.evidence.store import FolderStore

    caches = app.extensions[runtime.EXTENSION_KEY].caches
    previous = caches[STORE_KEY]
    caches[STORE_KEY] = FolderStore(tmp_path / "attachments")
    yield seed(as_admin)
    caches[STORE_KEY] = previous


def test_sql_injection_in_every_api_filter_and_sort(as_admin, as_dss, seeded):
    spec = as_admin.get("/api/v1/openapi.json").get_json()
    operations = list_operations(spec)
    assert len(operations) >= 10
    before = counts()
    sent = 0
    for caller in (as_admin, as_dss):
        for path, params, required in operations:
            for name in params:
                for text in SQL_INJECTION:
                    response = caller.get(path, query_string={**required, name: text})
                    assert response.status_code in (200, 400, 403, 404, 422), (path, name, text, response.status_code)
                    if response.status_code >= 400:
                        assert response.get_json()["error"]["code"]
                    sent += 1
    assert sent > 500
    assert counts() == before and audit_intact()
    # an injected search is a search for that text, not a condition: nothing matches it
    matches = as_admin.get("/api/v1/incidents", query_string={"q": "' OR '1'='1"}).get_json()["total"]
    assert matches == 0


PAGE_FILTERS = (
    "status",
    "lead_unit",
    "severity",
    "hybrid",
    "rule",
    "owner",
    "q",
    "observable",
    "technique",
    "created_after",
    "created_before",
    "sort",
    "page",
    "per_page",
    "overdue",
    "due_before",
    "incident_id",
    "assignee",
    "owner_unit",
    "playbook_id",
    "view",
    "mine",
    "unit",
    "from",
    "to",
    "joint",
    "review_due",
    "version",
    "all",
    "unread",
    "object_type",
    "object_id",
    "actor",
    "action",
    "after",
    "before",
    "order",
    "format",
    "lang",
    "key",
    "value",
)


def page_paths(app: Any, ids: dict[str, int]) -> list[str]:
    """Every page a signed-in person can GET, with the seeded ids in the path."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/login", "/logout", "/metrics")):
            continue
        if rule.endpoint in ("health.healthz", "health.readyz"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(ids.get(name, 1)), path)
        found.append(path)
    return sorted(set(found))


def test_sql_injection_in_every_page_filter(app, seeded):
    manager = login(app, "manager", None, "sqli-manager")
    before = counts()
    for path in page_paths(app, seeded):
        for text in SQL_INJECTION:
            response = manager.get(path, query_string={name: text for name in PAGE_FILTERS})
            assert response.status_code < 500, (path, text, response.status_code)
    assert counts() == before and audit_intact()


# XSS: every text field is escaped on every page, for every role.


@pytest.mark.parametrize(("role", "unit"), [("oict_responder", "OICT"), ("dss_officer", "DSS"), ("admin", None)])
def test_xss_in_every_text_field_is_escaped_on_every_page(app, seeded, role, unit):
    browser = login(app, role, unit, f"xss-{role}")
    escaped_somewhere = False
    for path in page_paths(app, seeded):
        response = browser.get(path)
        assert response.status_code < 500, (path, response.status_code)
        page = response.get_data(as_text=True)
        assert not RAW_XSS.search(page), (path, RAW_XSS.search(page))
        escaped_somewhere |= "&lt;script&gt;alert(" in page
    assert escaped_somewhere  # the payload did reach the pages, escaped


# Invalid UTF-8 and deeply nested JSON on every body; page numbers out of range on every list.


def json_body_operations(spec: dict[str, Any], ids: dict[str, int]) -> list[tuple[str, str]]:
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            if "application/json" in content and not path.startswith("/api/v1/intake/"):
                concrete = re.sub(r"\{([a-z_]+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
                found.append((method.upper(), concrete))
    return found


def test_invalid_utf8_and_deep_nesting_in_every_json_body_are_400(as_admin, seeded):
    spec = as_admin.get("/api/v1/openapi.json").get_json()
    operations = json_body_operations(spec, seeded)
    assert len(operations) >= 30
    deep = "[" * 40 + "]" * 40
    before = counts()
    for method, path in operations:
        for body in (b'{"title": "\xff\xfe\xfa"}', b"\xc3\x28", deep.encode(), b'{"a": ' * 50 + b"1" + b"}" * 50):
            response = as_admin.request(method, path, data=body, content_type="application/json")
            assert response.status_code == 400, (method, path, body[:20], response.status_code)
            assert response.get_json()["error"]["code"] == "bad_json"
    assert counts() == before


def test_invalid_utf8_in_query_strings_paths_and_forms(app, as_admin, seeded):
    for url in (
        "/api/v1/incidents?q=%ff%fe",
        "/api/v1/incidents?status=%c3%28",
        "/api/v1/actions?assignee=%ff",
        "/api/v1/incidents/%ff",
        "/api/v1/audit?actor=%ed%a0%80",
    ):
        response = as_admin.get(url)
        assert response.status_code in (200, 404, 422), (url, response.status_code)
        assert response.is_json
    oict = login(app, "oict_responder", "OICT", "utf8-oict")
    for url in ("/incidents?q=%ff%fe", "/actions?assignee=%ff", "/incidents/%ff", "/audit?actor=%c3%28"):
        assert oict.get(url).status_code in (200, 403, 404, 422), url
    before = counts()
    token = oict.csrf("/incidents/new")
    raw = b"csrf_token=" + token.encode() + b"&title=%ff%fe&vectors=digital&severity=high&tlp=TLP%3AAMBER"
    response = oict.client.post("/incidents/new", data=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    assert counts()["incidents"] == before["incidents"] or response.status_code == 302


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=-1", "page"),
        ("page=0", "page"),
        ("page=100000000000000000000", "page"),
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        ("per_page=1000000000", "per_page"),
        ("per_page=501", "per_page"),
    ],
)
def test_page_numbers_out_of_range_on_every_api_list(as_admin, seeded, query, field):
    spec = as_admin.get("/api/v1/openapi.json").get_json()
    lists = [(path, required) for path, params, required in list_operations(spec) if "page" in params]
    assert len(lists) >= 8
    for path, required in lists:
        response = as_admin.get(path, query_string={**required, **dict([query.split("=")])})
        assert response.status_code == 422, (path, query, response.status_code)
        assert field in response.get_json()["error"]["details"]["fields"], (path, query)
        last = as_admin.get(path, query_string={**required, "page": 1000000, "per_page": 500})
        assert last.status_code == 200 and last.get_json()["items"] == [], path


def test_page_numbers_out_of_range_on_every_page(app, seeded):
    manager = login(app, "manager", None, "paging-manager")
    for path in page_paths(app, seeded):
        for query in ("page=-1&per_page=-5", "page=100000000000000000000&per_page=1000000000", "page=x&per_page=y"):
            response = manager.get(f"{path}?{query}")
            assert response.status_code < 500, (path, query, response.status_code)


def test_nested_json_in_a_delivery_is_refused_and_writes_nothing(client):
    source, secret = make_source("generic")
    before = counts()
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": deep}
    response = post(client, source, secret, {"alerts": [{"status": "firing", "labels": {"a": "b"}, "x": deep}]})
    assert response.status_code == 400
    assert counts() == before
    assert json.loads(response.get_data())["error"]["status"] == response.status_code


def test_a_multipart_part_without_a_name_is_a_field_error(as_admin, seeded):
    """Found by the schemathesis run: werkzeug names such a part None, and the NUL check and the
    upload's field errors crashed on it (500)."""
    boundary = "hostile"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="n.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    before = counts()
    response = as_admin.client.post(
        f"/api/v1/incidents/{seeded['incident_id']}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Authorization": f"Bearer {as_admin.token}"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "_schema" in response.get_json()["error"]["details"]["fields"]
    assert counts() == before
