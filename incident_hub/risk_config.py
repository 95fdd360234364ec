"""The configured SRM risk matrix: the default of domain/risk.py plus the cell overrides of
config/risk_matrix.toml (STANDARDS.md §1 [P], "configurable").

Settings.extra may name another file (`risk_matrix_file`) or give overrides directly
(`risk_matrix_overrides`: [(likelihood, impact, level), …]), for tests and deployments.
`create_app` builds the matrix once (a bad file stops the start) and keeps it in the Runtime.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from incident_hub.domain.risk import DEFAULT_MATRIX, RiskMatrix
from incident_hub.errors import ValidationError
from incident_hub.settings import PROJECT_ROOT, Settings, SettingsError

DEFAULT_FILE = PROJECT_ROOT / "config" / "risk_matrix.toml"


def _file_overrides(path: Path) -> list[tuple[int, int, str]]:
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"Risk matrix file {path} is not valid TOML: {exc}") from exc
    rows: list[dict[str, Any]] = data.get("override", [])
    try:
        return [(row["likelihood"], row["impact"], row["level"]) for row in rows]
    except (KeyError, TypeError) as exc:
        raise SettingsError(f"Risk matrix file {path}: each [[override]] needs likelihood, impact and level.") from exc


def load_risk_matrix(settings: Settings) -> RiskMatrix:
    """The default matrix with the file's overrides, then those of `settings.extra`; refused with
    a one-line SettingsError naming the file and the cell when an override is invalid."""
    path = Path(settings.extra.get("risk_matrix_file", DEFAULT_FILE))
    overrides = _file_overrides(path) + [tuple(o) for o in settings.extra.get("risk_matrix_overrides", [])]
    try:
        return DEFAULT_MATRIX.with_overrides(overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(f"Risk matrix file {path}: {exc.message} {exc.details.get('fields')}") from exc
