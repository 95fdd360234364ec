"""The six official languages (DOMAIN.md "Languages"; API.md "Languages") for everything a person reads.

Which language a page speaks: `?lang=` (so a manager can produce the governance report in all six),
else the signed-in user's preference, else the language chosen on the menu before signing in,
else the browser's `Accept-Language`, else `DEFAULT_LANGUAGE`. The JSON API keeps codes and English.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from babel.lists import format_list
from flask import Flask, g, request, session
from flask_babel import Babel, format_datetime, format_decimal, get_locale, get_translations, refresh

from incident_hub.domain.labels import label
from incident_hub.domain.translatable import NP_, Coded, Counted, Listing, Term, Text
from incident_hub.errors import AppError
from incident_hub.settings import LANGUAGES

RIGHT_TO_LEFT = frozenset({"ar"})
# Each language named in itself, so a reader finds theirs whatever the page's language.
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "zh": "中文",
    "ru": "Русский",
    "es": "Español",
}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SESSION_KEY = "language"

babel = Babel()
K = TypeVar("K")
# What separates the sentences of a `Listing` (English "; " or ", "), per language.
SEPARATORS = {"; ": NP_("between sentences", "; "), ", ": NP_("between words", ", ")}


def translate(word: str) -> str:
    """A word in the reader's language, looked up in its context when it has one (translatable.NP_);
    what pages pass to `labels.label(kind, code, translate)`."""
    translations = get_translations()
    if isinstance(word, Term):
        return str(translations.upgettext(word.context, word))
    return str(translations.ugettext(word))


def said(what: object) -> str:
    """A sentence (translatable.Text, or an error's) in the reader's language: the template translated,
    then filled in with its parameters, each translated first (words, labels of codes, sentences)."""
    if isinstance(what, AppError):
        what = what.text
    if isinstance(what, Counted):
        template = get_translations().ungettext(what.template, what.plural, what.count)
        return str(template) % {name: said(value) for name, value in what.params.items()}
    if isinstance(what, Text):
        template = translate(what.template)
        return template % {name: said(value) for name, value in what.params.items()} if what.params else template
    if isinstance(what, Term):
        return translate(what)
    if isinstance(what, Coded):
        return format_list([label(what.kind, code, translate) for code in what.codes], locale=get_locale())
    if isinstance(what, Listing):
        separator = SEPARATORS.get(what.separator)
        return (translate(separator) if separator else what.separator).join(said(item) for item in what.items)
    return str(what)


def said_fields(error: AppError) -> dict[str, list[str]]:
    """An error's field messages (`details.fields`) in the reader's language."""
    return {name: [said(text) for text in texts] for name, texts in error.field_texts.items()}


def translated(table: Mapping[K, str]) -> dict[K, str]:
    """A table of English words (marked with `N_` or `NP_`) in the reader's language."""
    return {key: translate(word) for key, word in table.items()}


def chosen_language(value: object) -> str | None:
    return value if isinstance(value, str) and value in LANGUAGES else None


def select_language() -> str:
    from incident_hub.runtime import settings

    user = g.get("user")
    return (
        chosen_language(request.args.get("lang"))
        or chosen_language(getattr(user, "language", None))
        or chosen_language(session.get(SESSION_KEY))
        or request.accept_languages.best_match(LANGUAGES)
        or settings().default_language
    )


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def when(value: str | datetime | None) -> str:
    """An ISO string or aware datetime in the reader's language, always in UTC (— when there is none)."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    moment = moment.astimezone(UTC)
    if current_language() == "en":
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"{format_datetime(moment, 'short')} UTC"


def number(value: float | int | None) -> str:
    return "—" if value is None else format_decimal(value)


def _template_globals() -> dict[str, Any]:
    language = current_language()
    return {
        "current_language": language,
        "text_direction": "rtl" if language in RIGHT_TO_LEFT else "ltr",
        "language_names": LANGUAGE_NAMES,
    }


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language, default_translation_directories=str(TRANSLATIONS))
    app.before_request(refresh)  # a request never inherits the language of an earlier one in its app context
    app.context_processor(_template_globals)
    app.add_template_filter(when, "when")
    app.add_template_filter(number, "number")
    app.add_template_filter(said, "said")
