"""Authentication: session login with CSRF, API tokens, 401 and 403 in the envelope."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, make_user


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no csrf token in page"
    return match.group(1)


def test_login_page_then_session_then_logout(client):
    make_user("oict_responder", "OICT", "alice")
    page = client.get("/login")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and "alice" in home.get_data(as_text=True)
    # The session works on the API too (GET needs no CSRF token).
    assert client.get("/api/v1/audit").status_code == 403  # a responder is not a manager
    logout_token = csrf_from(home.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": logout_token}).status_code == 302
    assert client.get("/").status_code == 302


def test_login_without_csrf_is_refused(client):
    make_user("oict_responder", "OICT", "bob")
    response = client.post("/login", data={"username": "bob", "password": PASSWORD})
    assert response.status_code == 303  # back to the sign-in page, which says why
    assert "The form expired" in client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_wrong_password_is_refused(client):
    make_user("oict_responder", "OICT", "carol")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "carol", "password": "nope-nope-nope", "csrf_token": token})
    assert response.status_code == 303  # back to the sign-in page (post/redirect/get), at the error
    assert "wrong password" in client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_next_cannot_leave_the_site(client):
    make_user("oict_responder", "OICT", "dave")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.example/", data={"username": "dave", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_session_post_to_api_needs_csrf(client):
    make_user("manager", None, "erin")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "erin", "password": PASSWORD, "csrf_token": token})
    response = client.post("/api/v1/audit", json={})
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["rule"] == "csrf"


def test_pages_redirect_to_login_when_anonymous(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_api_without_token_is_401_envelope(client):
    response = client.get("/api/v1/audit")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_api_with_wrong_or_malformed_token_is_401(client):
    for header in ("Bearer ih_not-a-token", "Basic abc", "Bearer "):
        response = client.get("/api/v1/audit", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["error"]["code"] == "unauthenticated"


def test_revoked_token_is_401(app, client, runner):
    user, raw = make_user("manager", None, "frank")
    assert client.get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    from incident_hub.extensions import db
    from incident_hub.models import ApiToken

    token_id = db.session.query(ApiToken).filter_by(user_id=user.id).one().id
    result = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_disabled_user_token_is_401(client, runner):
    _, raw = make_user("manager", None, "gina")
    assert runner.invoke(args=["users", "disable", "gina"]).exit_code == 0
    assert client.get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_role_refusal_is_403_envelope(as_dss):
    response = as_dss.get("/api/v1/audit")
    assert response.status_code == 403
    body = response.get_json()["error"]
    assert body["code"] == "forbidden" and "manager" in body["details"]["roles"]


def test_health_needs_no_login(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def test_security_headers_on_every_response(client):
    for path in ("/login", "/healthz", "/api/v1/audit"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
