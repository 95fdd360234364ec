"""`N_`: marks a literal as a word people read, for the catalogues' extraction (scripts/translations).

The domain stays free of Flask and Babel: it returns English; whoever shows the word translates it with the
reader's gettext (`labels.label(kind, code, translate)`).
"""


def N_(text: str) -> str:
    return text
