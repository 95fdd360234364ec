"""Every endpoint × every role, generated from the app's URL map: an endpoint added without a row in
ACCESS fails here, and every row is checked — anonymous callers get 401 (API) or the login page
(pages); roles outside the row get 403 (or 404, need to know); roles inside it get neither."""

from __future__ import annotations

import re

from tests.web.support import login

EVERYONE = frozenset({"oict_responder", "dss_officer", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
ADMINS = frozenset({"admin"})
CYBER_CLEARED = frozenset({"oict_responder", "manager", "admin"})
PUBLIC = "public"  # answers without a user (API.md "HTTP conventions")
OWN_CREDENTIALS = "own credentials"  # intake: the source secret; metrics: METRICS_TOKEN / METRICS_ALLOW

ACCESS: dict[str, object] = {
    "static": PUBLIC,
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    "web.login": PUBLIC,
    "web.login_mfa": PUBLIC,  # the second step of a sign-in: the pending login lives in the session
    "web.login_oidc": PUBLIC,
    "web.actions_bulk": EVERYONE,  # bulk changes on the board; each row is checked by the action rules
    "web.set_page_language": PUBLIC,  # the language menu is on the login page too; CSRF still required
    "web.login_oidc_callback": PUBLIC,
    "intake.receive": OWN_CREDENTIALS,
    "operations.metrics": OWN_CREDENTIALS,
    "api_docs": EVERYONE,
    "api-docs.openapi_json": EVERYONE,
    "audit.AuditList": MANAGERS,
    "dashboard.Dashboard": MANAGERS,
    "reports.Governance": MANAGERS,
    "sources.Sources": ADMINS,
    "sources.SourceItem": ADMINS,
    "sources.SourceRotate": ADMINS,
    "playbooks.PlaybookImport": ADMINS,
    "web.audit": MANAGERS,
    "web.dashboard": MANAGERS,
    "web.governance_report": MANAGERS,
    "observables.ObservableSearch": CYBER_CLEARED,  # "where else have we seen it?" (issue 16)
    "observables.TacticCounts": MANAGERS,
    "user_admin.UserItem": ADMINS,  # role, unit, active (issue 12)
    "user_admin.PasswordReset": ADMINS,
}
for _prefix in (
    "actions.",
    "assessments.",
    "incidents.",
    "playbooks.",
    "reviews.",
    "attachments.",
    "observables.",
    "exports.",
    "notifications.",
    "me.",
):
    ACCESS.setdefault(_prefix, EVERYONE)
ACCESS.setdefault("channels.", ADMINS)  # chat channels and failed deliveries (issue 14)
ADMIN_PAGES = ("web.admin_",)
ROLES = (("oict_responder", "OICT"), ("dss_officer", "DSS"), ("manager", None), ("admin", None))


def rule_of(endpoint: str) -> object:
    if endpoint in ACCESS:
        return ACCESS[endpoint]
    if endpoint.startswith(ADMIN_PAGES):
        return ADMINS
    if endpoint.startswith("web."):
        return EVERYONE if endpoint in SIGNED_IN_PAGES else None
    prefix = endpoint.split(".")[0] + "."
    return ACCESS.get(prefix)


SIGNED_IN_PAGES = {
    "web.home", "web.logout", "web.actions_board", "web.action_transition", "web.assessments", "web.assessment",
    "web.assessment_add_measure", "web.assessment_sign", "web.assessment_add_threat", "web.incidents",
    "web.incident", "web.incident_comment", "web.incident_edit", "web.incident_transition", "web.incident_new",
    "web.playbooks", "web.playbook", "web.incident_review", "web.incident_review_finding_action",
    "web.incident_review_save", "web.incident_review_sign", "web.settings_mfa",
    "web.notifications", "web.notification_read", "web.notifications_read_all", "web.notification_settings",
    "web.notification_settings_save", "web.incident_follow", "web.incident_owner",
    "web.evidence_upload",
    "web.evidence_observable", "web.evidence_techniques",
    # issue 12 (workflows): the action page and its forms, playbooks on an incident, one's own password
    "web.action_page", "web.action_assign", "web.action_due_date", "web.action_status", "web.action_comment",
    "web.incident_playbook_apply", "web.incident_playbook_detach", "web.password_change",
    # issue 12 (assessments through the pages; every POST a separate view answering with a redirect)
    "web.assessment_new", "web.assessment_create", "web.assessment_new_version", "web.threat_edit",
    "web.threat_save", "web.threat_delete", "web.measure_edit", "web.measure_save", "web.measure_delete",
    "web.incident_create", "web.incident_save", "web.password_save",
}  # fmt: skip


def routes(app):
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<any\(([a-z]+)[^>]*\):[a-z_]+>", r"\1", rule.rule)
        path = re.sub(r"<[^>]+>", "1", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_every_endpoint_has_an_access_rule(app):
    missing = sorted({endpoint for endpoint, _, _ in routes(app) if rule_of(endpoint) is None})
    assert not missing, f"endpoints without a row in ACCESS: {missing}"


def test_anonymous_callers_are_refused_everywhere_but_the_open_paths(app, client):
    for endpoint, method, path in routes(app):
        if rule_of(endpoint) in (PUBLIC, OWN_CREDENTIALS):
            continue
        response = client.open(path, method=method, json={} if method != "GET" else None)
        if path.startswith("/api/"):
            assert response.status_code == 401, (endpoint, method)
            assert response.get_json()["error"]["code"] == "unauthenticated"
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (endpoint, method)


def test_each_role_gets_exactly_its_rows(app, login_as):
    callers = {role: login_as(role, unit, f"matrix-{role}") for role, unit in ROLES}
    browsers = {role: login(app, role, unit, f"matrix-page-{role}") for role, unit in ROLES}
    checked = 0
    for endpoint, method, path in routes(app):
        allowed = rule_of(endpoint)
        if not isinstance(allowed, frozenset) or endpoint == "web.logout":  # logout would end the sessions
            continue
        for role, _ in ROLES:
            if path.startswith("/api/"):
                response = callers[role].request(method, path, json={} if method != "GET" else None)
            elif method == "GET":
                response = browsers[role].get(path)
            else:
                response = browsers[role].post(path, {})
            if role in allowed:
                assert response.status_code not in (401, 403), (endpoint, method, role, response.status_code)
            else:
                assert response.status_code in (403, 404), (endpoint, method, role, response.status_code)
            assert response.status_code < 500, (endpoint, method, role)
            checked += 1
    assert checked > 200
