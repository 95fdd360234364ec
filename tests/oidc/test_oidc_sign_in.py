"""Sign-in with the organisation account against a real OpenID Provider, through the real app over HTTP:
the whole code flow (PKCE, state, nonce), groups deciding role and unit, refusals, and updates."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from flask import Flask
from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, User
from incident_hub.services.admin.users import set_active
from tests.oidc.conftest import DSS, MANAGERS, OICT, Provider, SignInBrowser, callback_params


def _read(query: Any) -> list[Any]:
    """Rows read in a transaction ended at once (on SQLite it holds the write lock the server needs)."""
    db.session.rollback()
    rows = list(db.session.execute(query).scalars())
    db.session.expunge_all()
    db.session.rollback()
    return rows


def _user(name: str) -> User | None:
    rows = _read(select(User).where(User.username == name))
    return rows[0] if rows else None


def _audits(action: str) -> list[AuditEntry]:
    return _read(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))


def test_login_page_offers_the_organisation_account(live_oidc: str) -> None:
    page = SignInBrowser(live_oidc).get("/login")
    assert page.status_code == 200
    assert "Sign in with Test Entra ID" in page.text
    assert 'href="/login/oidc' in page.text


def test_the_authorization_request_carries_pkce_state_and_nonce(live_oidc: str, oidc_provider: Provider) -> None:
    location = SignInBrowser(live_oidc).authorization_url()
    params = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{oidc_provider.issuer}/auth?")
    assert params["response_type"] == ["code"]
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) >= 43
    assert params["state"][0] and params["nonce"][0]
    assert params["redirect_uri"] == [f"{live_oidc}/login/oidc/callback"]
    assert "openid" in params["scope"][0].split()


def test_a_mapped_user_lands_on_their_home_page_with_role_and_unit(
    live_oidc: str, oidc_provider: Provider, oidc_app: Flask
) -> None:
    oidc_provider.set_user("amina", [OICT], email="amina@un.example")
    home = SignInBrowser(live_oidc).sign_in("amina", next_path="/incidents")
    assert home.status_code == 200
    assert home.url == f"{live_oidc}/incidents"
    assert "amina" in home.text
    user = _user("amina")
    assert user is not None
    assert (user.role, user.unit, user.email, user.oidc_subject) == (
        "oict_responder",
        "OICT",
        "amina@un.example",
        "amina",
    )
    assert user.oidc_issuer == oidc_provider.issuer
    created = _audits("user.create")
    assert [(a.object_id, a.after["role"], a.after["unit"], a.after["source"]) for a in created] == [
        (str(user.id), "oict_responder", "OICT", "oidc")
    ]


def test_the_first_matching_entry_of_the_map_wins(live_oidc: str, oidc_provider: Provider) -> None:
    oidc_provider.set_user("both", [DSS, MANAGERS, "unrelated-group"])
    assert SignInBrowser(live_oidc).sign_in("both").status_code == 200
    user = _user("both")
    assert user is not None and (user.role, user.unit) == ("manager", None)  # managers come first in the map


def test_an_unmapped_user_is_refused_with_a_clear_page_and_an_audit_entry(
    live_oidc: str, oidc_provider: Provider
) -> None:
    oidc_provider.set_user("stranger", ["grp-finance"])
    page = SignInBrowser(live_oidc).sign_in("stranger")
    assert page.status_code == 403
    assert "not in any group that gives access" in page.text
    assert _user("stranger") is None
    refused = _audits("login.refused")
    assert len(refused) == 1
    assert refused[0].after["reason"] == "unmapped"
    assert refused[0].after["claim_values"] == ["grp-finance"]
    # and no session was opened
    browser = SignInBrowser(live_oidc)
    assert browser.get("/", allow_redirects=False).status_code == 302


def test_a_role_change_at_the_provider_shows_at_the_next_sign_in_and_in_the_audit(
    live_oidc: str, oidc_provider: Provider
) -> None:
    oidc_provider.set_user("karim", [DSS])
    first = SignInBrowser(live_oidc)
    assert first.sign_in("karim").status_code == 200
    user = _user("karim")
    assert user is not None and (user.role, user.unit) == ("dss_officer", "DSS")

    oidc_provider.set_user("karim", [OICT], email="karim@new.example")
    assert SignInBrowser(live_oidc).sign_in("karim").status_code == 200
    user = _user("karim")
    assert user is not None and (user.role, user.unit, user.email) == ("oict_responder", "OICT", "karim@new.example")
    [update] = _audits("user.update")
    assert (update.before["role"], update.before["unit"]) == ("dss_officer", "DSS")
    assert (update.after["role"], update.after["unit"]) == ("oict_responder", "OICT")
    assert update.after["role_map_line"] > 0
    # the session granted under the old role has ended
    assert first.get("/", allow_redirects=False).status_code == 302

    # a sign-in that changes nothing writes no update
    assert SignInBrowser(live_oidc).sign_in("karim").status_code == 200
    assert len(_audits("user.update")) == 1


def test_a_user_disabled_here_stays_refused(live_oidc: str, oidc_provider: Provider, oidc_app: Flask) -> None:
    oidc_provider.set_user("leila", [OICT])
    assert SignInBrowser(live_oidc).sign_in("leila").status_code == 200
    db.session.rollback()
    set_active("leila", False, actor="test")
    db.session.commit()
    page = SignInBrowser(live_oidc).sign_in("leila")
    assert page.status_code == 403
    assert "disabled" in page.text
    assert [a.after["reason"] for a in _audits("login.refused")] == ["disabled"]


def test_a_tampered_state_is_refused(live_oidc: str, oidc_provider: Provider) -> None:
    oidc_provider.set_user("omar", [OICT])
    browser = SignInBrowser(live_oidc)
    callback = browser.submit_login(browser.start(), "omar")
    parts = urlsplit(callback)
    params = callback_params(callback)
    params["state"] = params["state"][:-2] + "xx"
    page = browser.http.get(urlunsplit(parts._replace(query=urlencode(params))), timeout=30)
    assert page.status_code == 400
    assert "could not be accepted" in page.text
    assert _user("omar") is None


def test_a_replayed_callback_is_refused(live_oidc: str, oidc_provider: Provider) -> None:
    """The callback sent again with the cookie it first came with: the state is still in that cookie,
    but the provider refuses a code already used."""
    oidc_provider.set_user("sara", [OICT])
    browser = SignInBrowser(live_oidc)
    callback = browser.submit_login(browser.start(), "sara")
    cookies_before = browser.http.cookies.copy()
    assert browser.http.get(callback, timeout=30).status_code == 200

    replay = SignInBrowser(live_oidc)
    replay.http.cookies = cookies_before
    page = replay.http.get(callback, timeout=30)
    assert page.status_code == 400
    assert "could not be accepted" in page.text
    assert replay.get("/", allow_redirects=False).status_code == 302  # no session from the replay


def test_an_id_token_for_another_nonce_is_refused(live_oidc: str, oidc_provider: Provider) -> None:
    """An attacker swaps the nonce in the authorization request: the ID token then carries a nonce
    this browser's sign-in never asked for."""
    oidc_provider.set_user("yusuf", [OICT])
    browser = SignInBrowser(live_oidc)
    location = browser.authorization_url()
    parts = urlsplit(location)
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(parts.query).items()}
    params["nonce"] = "attacker-chosen-nonce"
    page = browser.http.get(urlunsplit(parts._replace(query=urlencode(params))), timeout=30)
    callback = browser.submit_login(page, "yusuf")
    result = browser.http.get(callback, timeout=30)
    assert result.status_code == 400
    assert _user("yusuf") is None


def test_a_wrong_password_at_the_provider_never_reaches_the_app(live_oidc: str, oidc_provider: Provider) -> None:
    oidc_provider.set_user("noor", [OICT])
    browser = SignInBrowser(live_oidc)
    page = browser.start()
    action = page.text.split('action="', 1)[1].split('"', 1)[0]
    answer = browser.http.post(page.url.split("/interaction")[0] + action, data={"username": "noor", "password": "x"})
    assert answer.status_code == 401
    assert _user("noor") is None
