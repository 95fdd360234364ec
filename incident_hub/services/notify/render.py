"""Messages rendered from templates/messages/ when the scheduler sends them (never in the request).

What may leave the app is decided here, from the rows as they are when the message is sent:
an incident's title (and its actions' and assessments' titles) only for TLP:CLEAR and TLP:GREEN,
otherwise its number, TLP and a link (domain/notifications.py); never detection details, which
the context simply does not carry. The strings live in the templates (gettext-ready through
Jinja's i18n extension; the catalogues plug in `install_gettext_translations`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select

from incident_hub.domain.labels import label
from incident_hub.domain.notifications import outside_subject, title_may_leave
from incident_hub.domain.translatable import Term
from incident_hub.extensions import db
from incident_hub.models import Action, Assessment, AssessmentVersion, Incident, User
from incident_hub.runtime import settings

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "messages"
CATALOGUES = Path(__file__).resolve().parent.parent.parent / "translations"


def _slack_escape(value: object) -> str:
    """Slack mrkdwn control characters (&, <, >) escaped, so text never forms a link or mention."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reader(translations: NullTranslations) -> Callable[[str], str]:
    """The catalogue's lookup of a label, in its context when the word has one (domain/translatable.py)."""

    def read(word: str) -> str:
        if isinstance(word, Term):
            return str(translations.pgettext(word.context, word))
        return str(translations.gettext(word))

    return read


@cache
def environment(language: str = "en") -> Environment:
    """One environment per language: messages are in the recipient's language (API.md "Languages")."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(
            enabled_extensions=("html",), disabled_extensions=("txt", "json"), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    translations = NullTranslations() if language == "en" else Translations.load(str(CATALOGUES), [language])
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["label"] = lambda code, kind: label(kind, code, _reader(translations))
    env.filters["slack"] = _slack_escape
    env.filters["tojson"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env


def render(name: str, context: dict[str, Any], language: str | None = None) -> str:
    return environment(language or settings().default_language).get_template(name).render(**context).strip()


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def message_context(payload: dict[str, Any]) -> dict[str, Any]:
    """What every message template may use: ids, TLP, titles only where they may leave, links."""
    base = settings().public_url
    incident = db.session.get(Incident, payload["incident_id"]) if payload.get("incident_id") else None
    tlp = incident.tlp if incident is not None else None
    opened = title_may_leave(tlp)
    action = db.session.get(Action, payload["object_id"]) if payload["object_type"] == "action" else None
    assessment = db.session.get(Assessment, payload["object_id"]) if payload["object_type"] == "assessment" else None
    assessment_title = None
    if assessment is not None and opened:
        assessment_title = db.session.execute(
            select(AssessmentVersion.title).where(
                AssessmentVersion.assessment_id == assessment.id,
                AssessmentVersion.number == assessment.current_version,
            )
        ).scalar()
    path = {"incident": "/incidents/", "action": "/actions/", "assessment": "/assessments/"}[payload["object_type"]]
    context: dict[str, Any] = {
        "event": payload["event"],
        "object_type": payload["object_type"],
        "object_id": payload["object_id"],
        "number": incident.id if incident is not None else None,
        "tlp": tlp,
        "open": opened,
        "title": incident.title if incident is not None and opened else None,
        "subject_line": outside_subject(tlp, incident.id, incident.title) if incident is not None else None,
        "action_title": action.title if action is not None and opened else None,
        "assessment_title": assessment_title,
        "severity": incident.severity if incident is not None else None,
        "status": incident.status if incident is not None else None,
        "relation": payload.get("relation"),
        "unit": payload.get("unit"),
        "data": payload,
        "link": f"{base}{path}{payload['object_id']}",
        "preferences_link": f"{base}/settings/notifications",
        "app_link": base,
    }
    return context


def email_message(payload: dict[str, Any], language: str | None = None) -> Rendered:
    context = message_context(payload)
    return Rendered(
        subject=" ".join(render("email_subject.txt", {"c": context}, language).split()),
        text=render("email.txt", {"c": context}, language),
        html=render("email.html", {"c": context}, language),
    )


def digest_message(user: User, items: list[dict[str, Any]]) -> Rendered:
    contexts = [message_context(item) for item in items]
    link = f"{settings().public_url}/settings/notifications"
    context = {"items": contexts, "count": len(contexts), "preferences_link": link}
    language = user.language
    return Rendered(
        subject=" ".join(render("digest_subject.txt", context, language).split()),
        text=render("digest.txt", context, language),
        html=render("digest.html", context, language),
    )


def chat_payload(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The JSON posted to a Teams Workflows webhook (an Adaptive Card 1.5 in a `message`
    attachment) or to a Slack-compatible incoming webhook (`text`, mrkdwn)."""
    context = message_context(payload)
    if kind == "teams":
        return json.loads(render("teams_card.json", {"c": context}))  # type: ignore[no-any-return]
    return {"text": render("slack.txt", {"c": context})}


def user_of(payload: dict[str, Any]) -> User | None:
    if not payload.get("user_id"):
        return None
    return db.session.execute(select(User).where(User.id == payload["user_id"])).scalar_one_or_none()
