"""Reading a PDF back as text, as a reader's tools would (pypdf)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

HASH_RE = re.compile(r"\b[0-9a-f]{64}\b")


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def printed_hash(text: str) -> str:
    match = HASH_RE.search(text)
    assert match, "no audit head hash printed"
    return match.group(0)
