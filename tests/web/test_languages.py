"""Which language a page speaks (API.md "Languages"): `?lang=`, else the user's preference, else the
menu's choice before signing in, else Accept-Language, else DEFAULT_LANGUAGE; Arabic right to left.
What the services refuse is said on the page in the reader's language; the JSON API keeps its English."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, Incident, User
from incident_hub.services.admin.users import create_user
from incident_hub.services.incidents.commands import transition_incident
from tests.factories import PASSWORD, SYSTEM, make_incident
from tests.web.data import drop_playbook_actions, make_action
from tests.web.signin_support import sign_in
from tests.web.support import csrf_from
from tests.web.test_forms import cyber_edit_led_by_dss

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


def _speaking(browser, lang: str, page: str) -> None:
    assert browser.post("/settings/language", {"language": lang, "next": page}, csrf_page=page).status_code == 302


def _acknowledged_incident() -> int:
    incident = make_incident(title="Payroll server encrypted")
    drop_playbook_actions()
    transition_incident(SYSTEM, incident.id, "acknowledged")
    return incident.id


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [
        ("fr", "Un incident ne peut pas passer de « Pris en compte » à « Clôturé »."),
        ("ar", "لا يمكن نقل حادث من «تم الإقرار» إلى «مغلق»."),
    ],
)
def test_a_refused_transition_is_flashed_in_the_reader_s_language(oict, lang, refusal):
    iid = _acknowledged_incident()
    page = f"/incidents/{iid}"
    _speaking(oict, lang, page)
    response = oict.post(f"{page}/transition", {"to": "closed"}, csrf_page=page, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert refusal in html and "cannot go from" not in html
    assert html_language(response) == (lang, "rtl" if lang == "ar" else "ltr")
    db.session.expire_all()
    assert db.session.get(Incident, iid).status == "acknowledged"


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [
        (
            "fr",
            "L'incident ne peut pas encore être clôturé : 1 action encore ouverte, en cours ou bloquée ; "
            "la revue post-incident requise n'a pas été rédigée.",
        ),
        (
            "ar",
            "لا يمكن إغلاق الحادث بعد: إجراء واحد لا يزال مفتوحًا أو قيد التنفيذ أو متوقفًا؛ "
            "لم تُكتب مراجعة ما بعد الحادث المطلوبة.",
        ),
    ],
)
def test_a_refused_closure_says_what_is_open_in_the_reader_s_language(oict, lang, refusal):
    iid = _acknowledged_incident()  # severity high: a post-incident review is required too
    make_action(iid, "OICT", title="Rotate service accounts")
    transition_incident(SYSTEM, iid, "resolved", "Restored.")
    page = f"/incidents/{iid}"
    _speaking(oict, lang, page)
    html = unescape(oict.post(f"{page}/transition", {"to": "closed"}, csrf_page=page, follow_redirects=True).text)
    assert refusal in html and "cannot be closed yet" not in html


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [
        (
            "fr",
            "Règle M1 : la direction de cet incident exige le ou les mandats Cyber, que l'unité DSS ne détient pas.",
        ),
        ("ar", "القاعدة M1: من أجل قيادة هذا الحادث تلزم الولاية (الولايات) «سيبراني»، وهي ما لا تملكه الوحدة DSS."),
    ],
)
def test_an_m1_refusal_is_said_at_the_form_in_the_reader_s_language(oict, lang, refusal):
    incident = make_incident()
    edit = f"/incidents/{incident.id}/edit"
    _speaking(oict, lang, edit)
    form = cyber_edit_led_by_dss(incident)
    html = unescape(oict.refused(edit, form, csrf_page=edit))
    assert refusal in html and "needs the mandate" not in html
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).lead_unit == "OICT"


def test_the_api_keeps_its_english_message_whatever_the_user_s_language(as_oict):
    iid = _acknowledged_incident()
    user = db.session.get(User, as_oict.user.id)
    user.language = "fr"
    db.session.commit()
    response = as_oict.post(f"/api/v1/incidents/{iid}/transitions", {"to": "closed"}, headers={"Accept-Language": "fr"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["message"] == "An incident cannot go from 'acknowledged' to 'closed'."
    assert error["details"] == {"from": "acknowledged", "to": "closed", "allowed": ["contained", "resolved"]}


@pytest.mark.parametrize(
    ("n", "blocker"),
    [
        (1, "1 мера ещё открыта, выполняется или заблокирована"),
        (3, "3 меры ещё открыты, выполняются или заблокированы"),
        (5, "5 мер ещё открыты, выполняются или заблокированы"),
    ],
)
def test_a_count_takes_the_russian_form_its_number_asks_for(oict, n, blocker):
    """Russian has three plural forms (1, 3, 5 each take another); "(s)" would read as English."""
    iid = _acknowledged_incident()
    for i in range(n):
        make_action(iid, "OICT", title=f"Step {i}")
    transition_incident(SYSTEM, iid, "resolved", "Restored.")
    page = f"/incidents/{iid}"
    _speaking(oict, "ru", page)
    html = unescape(oict.post(f"{page}/transition", {"to": "closed"}, csrf_page=page, follow_redirects=True).text)
    assert blocker in _flashes(html)


def _flashes(html: str) -> str:
    return " ".join(re.findall(r'<p class="flash \w+" id="flash-\d+"[^>]*>(.*?)</p>', html))


BULK_PAGE = "/actions?view=list"


def _bulk(browser, ids: list[int], op: str) -> str:
    data = {"ids": [str(i) for i in ids], "op": op, "back": BULK_PAGE}
    assert browser.post("/actions/bulk", data, csrf_page=BULK_PAGE).status_code == 302
    return unescape(browser.text(BULK_PAGE))


@pytest.mark.parametrize(
    ("lang", "options", "one", "two", "why"),
    [
        (
            "fr",
            ("Les assigner à", "Les démarrer", "Les annuler"),
            "Refusé pour l'action {a} : Une action ne peut pas passer de « Annulée » à « En cours ».",
            "Refusé pour les actions {a}, {b} : Une action ne peut pas passer de « Annulée » à « En cours ».",
            "Sélectionnez au moins une action.",
        ),
        (
            "ar",
            ("إسنادها إلى", "بدء تنفيذها", "إلغاؤها"),
            "رُفض للإجراء {a}: لا يمكن نقل إجراء من «ملغى» إلى «قيد التنفيذ».",
            "رُفض للإجراءين {a}, {b}: لا يمكن نقل إجراء من «ملغى» إلى «قيد التنفيذ».",
            "حدد إجراءً واحدًا على الأقل.",
        ),
    ],
)
def test_bulk_results_and_choices_are_in_the_reader_s_language(oict, lang, options, one, two, why):
    incident = make_incident()
    drop_playbook_actions()
    open_, gone, gone_too = (make_action(incident.id, "OICT", title=f"Step {i}").id for i in range(3))
    for aid in (gone, gone_too):
        oict.post(f"/actions/{aid}/transition", {f"a{aid}-to": "cancelled", f"a{aid}-reason": "Retired"}, "/actions")
    _speaking(oict, lang, BULK_PAGE)
    page = unescape(oict.text(BULK_PAGE))
    for value, word in zip(("assign", "start", "cancel"), options, strict=True):
        assert f'<option value="{value}">{word}</option>' in page
    page = _bulk(oict, [gone], "start")
    assert one.format(a=gone) in page and "cannot go from" not in page
    page = _bulk(oict, [open_, gone, gone_too], "start")
    assert two.format(a=gone, b=gone_too) in page and "cannot go from" not in page
    db.session.expire_all()
    assert db.session.get(Action, open_).status == "in_progress"
    assert why in _bulk(oict, [], "start")


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [("fr", "ce code ne correspond pas ; vérifiez l'heure de votre appareil"), ("ar", "هذا الرمز غير مطابق")],
)
def test_a_wrong_enrolment_code_is_refused_in_the_reader_s_language(app, lang, refusal):
    create_user("lina", "oict_responder", "OICT", PASSWORD, actor="test")
    browser, _ = sign_in(app, "lina")
    _speaking(browser, lang, "/settings/mfa")
    wrong = browser.post("/settings/mfa", {"code": "000917"}, csrf_page="/settings/mfa")
    assert wrong.status_code == 303
    page = unescape(browser.text(wrong.headers["Location"].split("#")[0]))
    assert refusal in page and "does not match" not in page


@pytest.mark.parametrize(
    ("lang", "state", "moment"),
    [
        ("fr", "État de la validation", "ligne 1 : écrivez « AAAA-MM-JJ HH:MM | ce qui s'est passé »"),
        ("ar", "حالة الاعتماد", "السطر 1: اكتب «YYYY-MM-DD HH:MM | ما الذي حدث»"),
    ],
)
def test_the_review_page_s_sign_off_state_and_moment_error_are_in_the_reader_s_language(oict, lang, state, moment):
    incident = make_incident()
    page = f"/incidents/{incident.id}/review"
    _speaking(oict, lang, page)
    html = unescape(oict.text(page))
    assert f"<th>{state}</th>" in html and "<th>State</th>" not in html
    form = {"summary": "Phishing.", "key_moments": "yesterday | something", "new_findings": ""}
    html = unescape(oict.refused(page, form, csrf_page=page))
    assert moment in html and "write 'YYYY" not in html


@pytest.mark.parametrize(
    ("lang", "applied"),
    [
        ("fr", "Guide d'intervention appliqué : 5 actions ajoutées."),
        ("ru", "Сценарий реагирования применён; добавлено 5 мер."),
    ],
)
def test_a_flash_with_a_count_uses_the_plural_of_the_reader_s_language(oict, lang, applied):
    from incident_hub.models import Playbook

    incident = make_incident()
    drop_playbook_actions()
    playbook = db.session.execute(
        select(Playbook).where(Playbook.key == "hybrid-access-control", Playbook.superseded_at.is_(None))
    ).scalar_one()
    page = f"/incidents/{incident.id}"
    _speaking(oict, lang, page)
    html = unescape(oict.post(f"{page}/playbooks/{playbook.id}/apply", {}, csrf_page=page, follow_redirects=True).text)
    assert applied in _flashes(html) and _added(incident.id) == 5


def _added(incident_id: int) -> int:
    db.session.expire_all()
    return len(db.session.execute(select(Action.id).where(Action.incident_id == incident_id)).scalars().all())


@pytest.mark.parametrize(
    ("lang", "vector", "deliberate"),
    [
        ("fr", "Vecteur qui atteint les systèmes informatiques : Numérique (cyber).", "Enregistré comme délibéré."),
        ("ar", "ناقل يطال نظم تكنولوجيا المعلومات: رقمي (سيبراني).", "سُجّل على أنه متعمَّد."),
    ],
)
def test_why_each_hybrid_criterion_holds_is_said_in_the_reader_s_language(oict, lang, vector, deliberate):
    incident = make_incident()  # digital, deliberate
    page = f"/incidents/{incident.id}"
    _speaking(oict, lang, page)
    html = unescape(oict.text(page))
    assert f"<td>{vector}</td>" in html and f"<td>{deliberate}</td>" in html
    assert "reach IT systems" not in html and "Recorded as" not in html
