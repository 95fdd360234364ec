"""Emails speak the recipient's language (issue 19): a French-speaking DSS officer gets French, an
English-speaking one English, from the same event; need to know and TLP hold in every language."""

from __future__ import annotations

from pathlib import Path

from babel.support import Translations

from incident_hub.services.admin.users import set_language
from incident_hub.services.outbox import deliver_due
from tests.notify.conftest import parts, person

CATALOGUES = Path(__file__).resolve().parents[2] / "incident_hub" / "translations"
LINE = "Open it in incident_hub:"
R2 = {"vectors": ["digital"], "effects": ["premises_security_gap"], "deliberate": True}


def test_an_email_to_a_french_speaking_officer_is_in_french(app, client, mail_settings):
    _, oict = person("oict_responder", "OICT", "oict-lang", "oict-lang@example.org")
    person("dss_officer", "DSS", "dss-fr", "dss-fr@example.org")
    person("dss_officer", "DSS", "dss-en", "dss-en@example.org")
    set_language("dss-fr", "fr")
    body = {"title": "Badge readers MARKER-TITLE", "severity": "high", "tlp": "TLP:AMBER", **R2}
    body["detection"] = {"indicators": ["MARKER-IOC-203.0.113.5"]}
    assert client.post("/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {oict}"}).status_code == 201
    deliver_due()
    french = Translations.load(str(CATALOGUES), ["fr"]).gettext(LINE)
    assert french != LINE
    [to_fr] = mail_settings.to("dss-fr@example.org")
    [to_en] = mail_settings.to("dss-en@example.org")
    text_fr, html_fr = parts(to_fr)
    text_en, html_en = parts(to_en)
    assert french in text_fr and LINE not in text_fr
    assert LINE in text_en and french not in text_en
    for text in (text_fr, html_fr, text_en, html_en, str(to_fr["Subject"])):
        assert "MARKER-TITLE" not in text and "MARKER-IOC" not in text
