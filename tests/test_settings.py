"""Configuration: production refuses a missing or default SECRET_KEY; units come from a file."""

from __future__ import annotations

import pytest

from incident_hub import create_app
from incident_hub.settings import DEFAULT_SECRET_KEY, SettingsError, load_settings, load_units
from tests.conftest import make_settings


@pytest.mark.parametrize("secret", ["", DEFAULT_SECRET_KEY])
def test_production_refuses_a_missing_or_default_secret_key(secret, tmp_path):
    settings = make_settings(f"sqlite:///{tmp_path}/x.sqlite", env="production", secret_key=secret)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(settings)


def test_production_starts_with_a_real_secret_key(tmp_path):
    settings = make_settings(f"sqlite:///{tmp_path}/x.sqlite", env="production", secret_key="x" * 40)
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] is False or app.config["SESSION_COOKIE_SECURE"] is True


def test_environment_variables_are_read(monkeypatch):
    monkeypatch.setenv("INCIDENT_HUB_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = load_settings(dotenv=False)
    with pytest.raises(SettingsError, match="Refusing to start in production"):
        settings.check()
    monkeypatch.setenv("SCHEDULER_ENABLED", "true")
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    settings = load_settings(dotenv=False)
    assert settings.scheduler_enabled is True and settings.max_body_bytes == 2048


def test_unknown_environment_is_refused():
    with pytest.raises(SettingsError, match="INCIDENT_HUB_ENV"):
        make_settings(None, env="staging").check()


def test_units_come_from_the_configured_file(tmp_path):
    path = tmp_path / "units.toml"
    path.write_text('[units.CSU]\nname = "Converged Security Unit"\nmandates = ["cyber", "physical_security"]\n')
    units = load_units(path)
    assert units.codes() == ["CSU"]
    assert units.lead_for("physical_security").code == "CSU"


def test_a_missing_units_file_is_one_clear_line(tmp_path):
    with pytest.raises(SettingsError, match="not found"):
        load_units(tmp_path / "nope.toml")


def test_a_units_file_without_a_cyber_unit_is_refused_at_start(tmp_path):
    path = tmp_path / "units.toml"
    path.write_text('[units.DSS]\nmandates = ["physical_security"]\n')
    with pytest.raises(SettingsError, match="no unit holds the 'cyber' mandate"):
        load_units(path)


def test_an_escalation_webhook_needs_a_signing_secret():
    settings = make_settings(None, escalation_webhook_url="https://hooks.example/escalations")
    with pytest.raises(SettingsError, match="ESCALATION_WEBHOOK_SECRET"):
        settings.check()
