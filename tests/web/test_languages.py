"""Which language a page speaks (API.md "Languages"): `?lang=`, else the user's preference, else the
menu's choice before signing in, else Accept-Language, else DEFAULT_LANGUAGE; Arabic right to left."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, User
from tests.web.support import csrf_from

HTML_TAG = re.compile(r'<html lang="(\w+)" dir="(\w+)">')


def html_language(response) -> tuple[str, str]:
    match = HTML_TAG.search(response.get_data(as_text=True))
    assert match, "no <html lang dir>"
    return match.group(1), match.group(2)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("fr-CH, fr;q=0.9", ("fr", "ltr")),
        ("ar", ("ar", "rtl")),
        ("zh-CN,zh;q=0.8", ("zh", "ltr")),
        ("de", ("en", "ltr")),
    ],
)
def test_the_browser_language_decides_when_nothing_else_does(client, accept, expected):
    assert html_language(client.get("/login", headers={"Accept-Language": accept})) == expected


def test_lang_in_the_address_wins_over_the_browser(client):
    response = client.get("/login?lang=ru", headers={"Accept-Language": "es"})
    assert html_language(response) == ("ru", "ltr")
    assert html_language(client.get("/login?lang=xx", headers={"Accept-Language": "es"})) == ("es", "ltr")


def test_the_menu_before_signing_in_keeps_the_choice(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/settings/language", data={"language": "ar", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert html_language(client.get("/login", headers={"Accept-Language": "fr"})) == ("ar", "rtl")


def test_the_menu_refuses_a_post_without_csrf_and_an_unknown_language(client):
    client.post("/settings/language", data={"language": "ar"})
    assert html_language(client.get("/login")) == ("en", "ltr")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/settings/language", data={"language": "xx", "csrf_token": token})
    assert html_language(client.get("/login")) == ("en", "ltr")


def test_a_signed_in_user_s_choice_is_stored_on_them_and_audited(oict):
    response = oict.post("/settings/language", {"language": "fr", "next": "/incidents"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/incidents")
    user = db.session.execute(select(User).where(User.username == "web-oict")).scalar_one()
    assert user.language == "fr"
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.language")).scalar_one()
    assert (entry.before, entry.after) == ({"language": None}, {"language": "fr"})
    page = oict.get("/incidents", headers={"Accept-Language": "es"})
    assert html_language(page) == ("fr", "ltr")


def test_a_next_address_off_the_site_is_not_followed(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/settings/language", data={"language": "es", "next": "https://evil.example/", "csrf_token": token}
    )
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
