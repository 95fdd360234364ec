"""The catalogues of the six official languages are complete (issue 19): every string a person reads
has a translation in French, Arabic, Chinese, Russian and Spanish, none fuzzy, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "incident_hub" / "translations"
LANGUAGES = ("fr", "ar", "zh", "ru", "es")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "NP_": ((1, "c"), 2),
    "opt": (2,),
    "Counted": (1, 2),
}
METHODS = [
    ("incident_hub/**.py", "python"),
    ("incident_hub/templates/**.html", "jinja2"),
    ("incident_hub/templates/messages/**.txt", "jinja2"),
    ("incident_hub/templates/messages/**.json", "jinja2"),
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _catalogue(lang: str):
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def _strings_in_the_source() -> set[tuple[str | None, str]]:
    """(context, text) of every marked string: a word with a context is its own entry."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        found.update((context, m) for m in ([message] if isinstance(message, str) else message) if m)
    return found


@pytest.fixture(scope="module")
def source_strings() -> set[tuple[str | None, str]]:
    return _strings_in_the_source()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_people_read_is_in_the_catalogue(lang, source_strings):
    catalogue = [m for m in _catalogue(lang) if m.id]
    ids = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue}
    plural_ids = {(m.context, m.id[1]) for m in catalogue if not isinstance(m.id, str)}
    missing = sorted(source_strings - ids - plural_ids, key=str)
    assert missing == [], f"run `make translations` and translate {len(missing)} new string(s) for {lang}"


UNIT_CODES = ("OICT", "DSS")


def unit_codes_dropped(catalogue) -> list[tuple[str, str]]:
    """(msgid, code) of each entry whose msgid names OICT or DSS and a translation that does not."""
    return [
        (m.id, code)
        for m in catalogue
        if m.id
        for code in UNIT_CODES
        if code in (m.id if isinstance(m.id, str) else m.id[0])
        for s in _strings(m)
        if code not in s
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unit_codes_are_proper_names_in_every_language(lang):
    """OICT and DSS are what people type, what the API returns and what the mandate rules say: every
    translation keeps the code as written (the long names, "Office of …", are translated)."""
    assert unit_codes_dropped(_catalogue(lang)) == []


def test_the_guard_on_unit_codes_sees_a_localised_code():
    catalogue = Catalog(locale="fr")
    catalogue.add("Detection (OICT and managers only)", "Détection (BIC et responsables uniquement)")
    catalogue.add("DSS officer", "Agent du DSS")
    assert unit_codes_dropped(catalogue) == [("Detection (OICT and managers only)", "OICT")]


# The same English word for different things is one entry per meaning (msgctxt), each agreeing with what
# it qualifies: a severity (fem. in French) is "Élevée", a risk level "Élevé".
@pytest.mark.parametrize(
    ("lang", "word", "one", "other"),
    [
        *((lang, "High", "severity", "risk level") for lang in ("fr", "es", "ru", "ar")),
        *((lang, "Medium", "severity", "risk level") for lang in ("fr", "es", "ru", "ar")),
        *((lang, "Critical", "severity", "impact") for lang in ("es", "ru", "ar")),
    ],
)
def test_a_word_with_two_meanings_is_translated_for_each(lang, word, one, other):
    translations = Translations.load(str(CATALOGUES), [lang])
    first, second = translations.pgettext(one, word), translations.pgettext(other, word)
    assert word not in (first, second) and first != second


# Text a person reads in a page template must be inside {{ _("…") }}: text between tags and the attributes people
# read or hear (confirmations, placeholders, screen-reader labels, titles). Acronyms and code samples stay as written.
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_VERBATIM = re.compile(r"<(script|style|code|pre)\b.*?</\1>", re.S)
_READ_ATTRIBUTES = re.compile(r'\b(?:data-confirm|placeholder|aria-label|title|alt)="([^"]*)"')
_WORDS = re.compile(r"[A-Za-z]{2,}")
_ACRONYMS_ONLY = re.compile(r"^[\s\W\d]*(?:[A-Z0-9][A-Z0-9-]{1,7}[\s\W\d]*)+$")


def _reads_as_words(text: str) -> bool:
    text = re.sub(r"&[a-z#0-9]+;", " ", text).strip()
    return bool(_WORDS.search(text)) and not _ACRONYMS_ONLY.match(text)


def untranslated_template_text(source: str) -> list[str]:
    found = [v for v in _READ_ATTRIBUTES.findall(source) if _reads_as_words(_JINJA.sub(" ", v))]
    body = _VERBATIM.sub(" ", _JINJA.sub(" ", source))
    found += [t.strip() for t in re.split(r"<[^>]*>", body) if _reads_as_words(t)]
    return found


def test_the_guard_sees_untranslated_text():
    assert untranslated_template_text('<p>Close it</p><b data-confirm="Sure?">{{ _("Yes") }}</b>') == [
        "Sure?",
        "Close it",
    ]
    assert untranslated_template_text('<p>{{ _("Close it") }} PDF</p><code>flask run</code>') == []


@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(ROOT / "incident_hub" / "templates"))
        for p in (ROOT / "incident_hub" / "templates").rglob("*.html")
        if "messages" not in p.parts
    ),
)
def test_page_text_goes_through_gettext(template):
    source = (ROOT / "incident_hub" / "templates" / template).read_text(encoding="utf-8")
    assert untranslated_template_text(source) == [], 'wrap it in {{ _("…") }} and translate it (make translations)'
