"""Evidence tests keep attachment bytes in a folder of their own (the store the app was built with
is swapped for the test and put back after)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from incident_hub import runtime
from incident_hub.services.evidence.attachments import STORE_KEY
from incident_hub.services.evidence.store import FolderStore
from tests.factories import make_incident

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64


@pytest.fixture
def store(app: Flask, tmp_path: Path) -> Iterator[FolderStore]:
    caches = app.extensions[runtime.EXTENSION_KEY].caches
    previous = caches[STORE_KEY]
    caches[STORE_KEY] = FolderStore(tmp_path / "attachments")
    yield caches[STORE_KEY]
    caches[STORE_KEY] = previous


def upload(client: Any, path: str, content: bytes, filename: str = "report.pdf", **form: Any) -> Any:
    data = {
        "file": (io.BytesIO(content), filename),
        **{k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()},
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def stored_files(store: FolderStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file())


@pytest.fixture
def incident() -> Any:
    """An R2 incident: OICT leads, DSS is partner, so both see it."""
    return make_incident(vectors=["digital"], effects=["personnel_harm_risk"], deliberate=True)


# the logged-in page clients of tests/web
from tests.web.conftest import dss, manager, oict  # noqa: E402, F401
