"""One real run behind gunicorn (2 workers, production settings, JSON logs): users, tokens, sources,
a sign-in, API calls, intake deliveries and an outbound webhook. Its whole log is then read back:
every line is JSON, every request line carries the request id the client saw, and no password,
token, source secret, webhook secret, session cookie or request body appears anywhere. /metrics
sums every worker's counts (prometheus-client multiprocess mode)."""

from __future__ import annotations

import json
import re

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.operations.gunicorn_run import flask, run_env, served
from tests.services.test_escalation_webhook import SECRET as WEBHOOK_SECRET
from tests.services.test_escalation_webhook import Receiver

PASSWORD = "Tr0ub4dor&3-never-logged"
METRICS_TOKEN = "metrics-token-never-logged-0123"
BODY_MARKER = "BODY-MARKER-never-logged"
DELIVER_SCRIPT = """
from incident_hub import create_app, logs
from incident_hub.services.outbox import deliver_due, enqueue
from incident_hub.services.uow import unit_of_work
app = create_app()
with app.app_context():
    with logs.bound_request_id("rid-queued-by-a-request"), unit_of_work("test") as uow:
        enqueue(uow, "test.event", {"note": "BODY-MARKER-never-logged"})
    with logs.bound_request_id("job-outbox.deliver-test"):
        print(deliver_due())
"""


def _login(base: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = browser.post(
        base + "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf}, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text[:300]
    assert browser.get(base + "/incidents").status_code == 200
    return browser


def _samples(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((sample.labels, sample.value))
    return out


def test_a_real_run_logs_json_with_request_ids_and_no_secret(app, database_url, tmp_path):
    log = tmp_path / "run.log"
    env = run_env(database_url, tmp_path, METRICS_TOKEN=METRICS_TOKEN)
    flask(env, log, "users", "create", "alice", "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    flask(
        env,
        log,
        "users",
        "create",
        "olga",
        "--role",
        "oict_responder",
        "--unit",
        "OICT",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    api_token = flask(env, log, "tokens", "create", "olga").split()[-1]
    source_secret = flask(env, log, "sources", "create", "prom", "--format", "alertmanager").split()[-1]
    seen_ids: list[str] = []

    with served(env, log) as base:
        browser = _login(base)
        session_cookie = browser.cookies.get("session")
        api = {"Authorization": f"Bearer {api_token}"}
        created = requests.post(
            base + "/api/v1/incidents",
            json={"title": "Phishing", "description": BODY_MARKER, "vectors": ["digital"], "severity": "high"},
            headers={**api, "X-Request-ID": "client-chosen-id-1"},
        )
        assert created.status_code == 201, created.text
        assert created.headers["X-Request-ID"] == "client-chosen-id-1"
        bad = requests.post(base + "/api/v1/incidents", json={"title": BODY_MARKER, "status": "closed"}, headers=api)
        assert bad.status_code == 422
        wrong = requests.get(
            base + "/api/v1/incidents", headers={"Authorization": "Bearer ih_wrong-token-never-logged"}
        )
        assert wrong.status_code == 401
        delivery = {
            "version": "4",
            "status": "firing",
            "alerts": [{"status": "firing", "labels": {"alertname": BODY_MARKER}}],
        }
        for secret, expected in ((source_secret, 202), ("wrong-source-secret", 401)):
            answer = requests.post(
                base + "/api/v1/intake/prom", json=delivery, headers={"Authorization": f"Bearer {secret}"}
            )
            assert answer.status_code == expected, answer.text
        for _ in range(20):  # new connections: both workers answer some
            answer = requests.get(base + "/healthz", headers={"Connection": "close"})
            seen_ids.append(answer.headers["X-Request-ID"])
        scrapes = [
            requests.get(base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}) for _ in range(4)
        ]
        assert requests.get(base + "/metrics").status_code == 403

    with Receiver([]) as receiver:
        deliver_env = {**env, "ESCALATION_WEBHOOK_URL": receiver.url, "ESCALATION_WEBHOOK_SECRET": WEBHOOK_SECRET}
        import subprocess
        import sys

        with log.open("a") as err:
            subprocess.run([sys.executable, "-c", DELIVER_SCRIPT], env=deliver_env, stderr=err, check=True, timeout=120)
    assert receiver.headers[0]["X-Request-ID"] == "rid-queued-by-a-request"

    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines, "the run logged nothing"
    access = [line for line in lines if line.get("name") == "gunicorn.access"]
    assert {line["request_id"] for line in access} >= {"client-chosen-id-1", *seen_ids}
    assert all(line["request_id"] for line in access)
    webhook_lines = [line for line in lines if "webhook" in line.get("message", "")]
    assert webhook_lines and all(line["request_id"] == "rid-queued-by-a-request" for line in webhook_lines)
    for secret in (
        PASSWORD,
        api_token,
        source_secret,
        WEBHOOK_SECRET,
        METRICS_TOKEN,
        session_cookie,
        BODY_MARKER,
        "ih_wrong-token-never-logged",
        "wrong-source-secret",
        WEBHOOK_SECRET.removeprefix("whsec_"),
    ):
        assert secret not in text, f"{secret[:6]}… appears in the log"

    for scrape in scrapes:  # whichever worker answered, the figures are every worker's
        assert scrape.status_code == 200
        samples = _samples(scrape.text)
        healthz = sum(
            v for lab, v in samples["incident_hub_http_requests_total"] if lab["endpoint"] == "health.healthz"
        )
        assert healthz >= 20 + 1  # ours plus the readiness poll
        created_count = sum(
            v
            for lab, v in samples["incident_hub_http_requests_total"]
            if lab["endpoint"] == "incidents.Incidents" and lab["status"] == "201"
        )
        assert created_count == 1


DELIVER_MANY = """
from incident_hub import create_app
from incident_hub.services.outbox import deliver_due, enqueue
from incident_hub.services.uow import unit_of_work
app = create_app()
with app.app_context():
    for n in range(3):
        with unit_of_work("test") as uow:
            enqueue(uow, "test.event", {"n": n})
    print(deliver_due())
"""


def test_the_scheduler_delivers_with_a_metrics_folder_nobody_created(app, database_url, tmp_path):
    """bench/faults/scheduler_kill.py: the Docker image sets PROMETHEUS_MULTIPROC_DIR for every process,
    but only gunicorn creates the folder. A scheduler elsewhere failed its outbox tick after the first
    message it sent (FileNotFoundError from prometheus-client); every message of the tick must go."""
    import subprocess
    import sys

    missing = tmp_path / "never-created" / "metrics"
    with Receiver([]) as receiver:
        env = run_env(database_url, tmp_path, ESCALATION_WEBHOOK_URL=receiver.url)
        env.update(ESCALATION_WEBHOOK_SECRET=WEBHOOK_SECRET, PROMETHEUS_MULTIPROC_DIR=str(missing))
        done = subprocess.run(
            [sys.executable, "-c", DELIVER_MANY], env=env, capture_output=True, text=True, timeout=300
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "'delivered': 3" in done.stdout and len(receiver.received) == 3
    assert list(missing.glob("counter_*.db"))  # the figures were kept too
