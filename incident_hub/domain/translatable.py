"""Words and sentences people read, marked for the catalogues' extraction (scripts/translations).

The domain stays free of Flask and Babel: it speaks English, and whoever shows a word or a sentence
translates it with the reader's catalogue (`i18n.translate` and `i18n.said` for pages, notify/render.py
for messages):

- `N_("Closed")`: a word or a sentence without parameters.
- `NP_("severity", "High")`: a word whose translation depends on what it qualifies (a severity is
  "Élevée" in French, a risk level "Élevé"): a `Term`, the English word as a str, carrying the context
  the reader's `pgettext` looks it up under.
- `Text(N_("… %(unit)s …"), unit="DSS")`: a sentence with its parameters kept apart, so a page translates
  the sentence and then fills it in; `str(text)` is the English (what the JSON API answers).
- `Counted("%(n)s action …", "%(n)s actions …", n=3)`: a sentence about a number of things, whose
  grammar follows the number (one form in Chinese, two in English, three in Russian, six in Arabic).
"""

from __future__ import annotations

from collections.abc import Iterable


def N_(text: str) -> str:
    return text


class Term(str):
    """An English word with the context that tells its meanings apart (`NP_`)."""

    context: str

    def __new__(cls, context: str, text: str) -> Term:
        term = super().__new__(cls, text)
        term.context = context
        return term


def NP_(context: str, text: str) -> Term:
    return Term(context, text)


class Text:
    """A sentence people read: an English template (marked `N_`) and its parameters.

    A parameter is shown as written (a number, a title, a unit code), unless it is a `Term`, a `Text`,
    `Coded` or `Listing`, which the reader's language renders too."""

    __slots__ = ("params", "template")

    def __init__(self, template: str, /, **params: object):
        self.template = template
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return self.template
        return self.template % {name: str(value) for name, value in self.params.items()}

    def __repr__(self) -> str:
        return f"Text({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.template, self.params) == (other.template, other.params)

    def __hash__(self) -> int:
        return hash(self.template)


class Counted(Text):
    """A `Text` in the singular or the plural as `n` asks (English: one form for 1, one for the rest);
    a page picks the reader's form with `ngettext`. `Counted` is an extraction keyword (`Counted:1,2`)."""

    __slots__ = ("plural",)

    def __init__(self, singular: str, plural: str, /, *, n: int, **params: object):
        super().__init__(singular, n=n, **params)
        self.plural = plural

    @property
    def count(self) -> int:
        return int(str(self.params["n"]))

    def __str__(self) -> str:
        template = self.template if self.count == 1 else self.plural
        return template % {name: str(value) for name, value in self.params.items()}


class Coded:
    """Codes of one label kind (domain/labels.py) in a sentence: English shows the codes as written
    (`cyber, physical_security`), a page their labels in the reader's language."""

    __slots__ = ("codes", "kind")

    def __init__(self, kind: str, codes: Iterable[str]):
        self.kind = kind
        self.codes = tuple(codes)

    def __str__(self) -> str:
        return ", ".join(self.codes)


class Listing:
    """Sentences (or anything else) read one after another, `separator` between them in English."""

    __slots__ = ("items", "separator")

    def __init__(self, items: Iterable[object], separator: str = "; "):
        self.items = tuple(items)
        self.separator = separator

    def __str__(self) -> str:
        return self.separator.join(str(item) for item in self.items)
