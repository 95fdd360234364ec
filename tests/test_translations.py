"""The catalogues of the six official languages are complete (issue 19): every string a person reads
has a translation in French, Arabic, Chinese, Russian and Spanish, none fuzzy, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "incident_hub" / "translations"
LANGUAGES = ("fr", "ar", "zh", "ru", "es")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None, "opt": (2,)}
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


def _strings_in_the_source() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


@pytest.fixture(scope="module")
def source_strings() -> set[str]:
    return _strings_in_the_source()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_people_read_is_in_the_catalogue(lang, source_strings):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(lang) if m.id}
    plural_ids = {m.id[1] for m in _catalogue(lang) if m.id and not isinstance(m.id, str)}
    missing = sorted(source_strings - ids - plural_ids)
    assert missing == [], f"run `make translations` and translate {len(missing)} new string(s) for {lang}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_entry_is_untranslated_or_fuzzy(lang):
    catalogue = _catalogue(lang)
    untranslated = [m.id for m in catalogue if m.id and not all(_strings(m))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang):
    wrong = []
    for m in _catalogue(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        wrong += [m.id for s in strings if set(PLACEHOLDER.findall(s)) != wanted]
    assert wrong == []


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
