"""Sign-in settings: the OpenID Connect role map is validated at start, naming the bad line."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_hub import create_app
from incident_hub.settings import PROJECT_ROOT, SettingsError, load_settings
from tests.conftest import make_settings

OIDC = {
    "oidc_issuer": "https://login.microsoftonline.com/tenant-id/v2.0",
    "oidc_client_id": "client",
    "oidc_client_secret": "s3cret-value",
}


def _settings(tmp_path: Path, role_map: Path, **changes: object):  # type: ignore[no-untyped-def]
    return make_settings(f"sqlite:///{tmp_path}/x.sqlite", oidc_role_map=role_map, **OIDC, **changes)


def test_the_shipped_role_map_is_valid(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, PROJECT_ROOT / "config" / "oidc_roles.toml"))
    role_map = app.extensions["incident_hub"].role_map
    assert role_map is not None and len(role_map.entries) == 5


def test_a_role_map_breaking_m1_stops_the_start_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "roles.toml"
    bad.write_text(
        '[[map]]\nclaim_value = "a"\nrole = "admin"\n\n'
        '[[map]]\nclaim_value = "b"\nrole = "oict_responder"\nunit = "DSS"\n'
    )
    with pytest.raises(SettingsError) as caught:
        create_app(_settings(tmp_path, bad))
    message = str(caught.value)
    assert f"{bad} line 5" in message and "(M1)" in message and "\n" not in message


def test_a_role_map_naming_an_unknown_unit_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "roles.toml"
    bad.write_text('[[map]]\nclaim_value = "a"\nrole = "manager"\nunit = "LEGAL"\n')
    with pytest.raises(SettingsError, match=r"line 1: unknown unit 'LEGAL'"):
        create_app(_settings(tmp_path, bad))


def test_a_missing_role_map_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"OIDC role map .* not found"):
        create_app(_settings(tmp_path, tmp_path / "nope.toml"))


def test_no_role_map_is_read_without_an_issuer(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path}/x.sqlite", oidc_role_map=tmp_path / "nope.toml"))
    assert app.extensions["incident_hub"].role_map is None
    assert app.test_client().get("/login/oidc").status_code == 404


def test_an_issuer_needs_client_id_and_secret() -> None:
    with pytest.raises(SettingsError, match="OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"):
        make_settings(None, oidc_issuer="https://idp.example").check()
    with pytest.raises(SettingsError, match="https://"):
        make_settings(None, **{**OIDC, "oidc_issuer": "http://idp.example"}).check()


def test_identity_settings_come_from_the_environment_and_secrets_stay_out_of_repr(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OIDC_ISSUER", "https://idp.example/")
    monkeypatch.setenv("OIDC_CLIENT_ID", "cid")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "very-secret-value")
    monkeypatch.setenv("OIDC_DISPLAY_NAME", "UN account")
    monkeypatch.setenv("OIDC_GROUPS_CLAIM", "roles")
    monkeypatch.setenv("LOCAL_LOGIN", "false")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "10")
    monkeypatch.setenv("SESSION_MAX_HOURS", "8")
    monkeypatch.setenv("SECRET_KEY", "another-secret-value")
    settings = load_settings(dotenv=False)
    assert settings.oidc_issuer == "https://idp.example"
    assert (settings.oidc_client_id, settings.oidc_display_name, settings.oidc_groups_claim) == (
        "cid",
        "UN account",
        "roles",
    )
    assert settings.local_login is False
    assert (settings.session_idle_minutes, settings.session_max_hours) == (10, 8)
    assert "very-secret-value" not in repr(settings) and "another-secret-value" not in repr(settings)
