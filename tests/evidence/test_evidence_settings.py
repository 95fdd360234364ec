"""The evidence settings come from their environment names and a bad one stops the start."""

from __future__ import annotations

import pytest

from incident_hub.domain.evidence import DEFAULT_DENIED_TYPES
from incident_hub.settings import Settings, SettingsError, load_settings


def test_attachment_settings_are_read(monkeypatch):
    monkeypatch.setenv("MAX_ATTACHMENT_BYTES", "1000")
    monkeypatch.setenv("ATTACHMENT_STORE", "s3://evidence/incident-hub")
    monkeypatch.setenv("ATTACHMENT_DENIED_TYPES", "application/x-dosexec, Application/PDF")
    settings = load_settings(dotenv=False)
    assert settings.max_attachment_bytes == 1000
    assert settings.attachment_store == "s3://evidence/incident-hub"
    assert settings.attachment_denied_types == ("application/x-dosexec", "application/pdf")


@pytest.mark.parametrize(("value", "expected"), [("", DEFAULT_DENIED_TYPES), ("none", ())])
def test_empty_deny_list_keeps_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("ATTACHMENT_DENIED_TYPES", value)
    assert load_settings(dotenv=False).attachment_denied_types == expected


@pytest.mark.parametrize("changes", [{"max_attachment_bytes": 0}, {"attachment_store": "s3:/bucket"}])
def test_bad_attachment_settings_stop_the_start(changes):
    with pytest.raises(SettingsError):
        Settings(**changes).check()
