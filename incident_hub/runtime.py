"""What services need from the running app (settings, units, risk matrix, clock, caches), built once
by `create_app` and found through a context variable that the app binds whenever one of its
contexts is pushed. Services read it here instead of reaching for Flask's `current_app`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incident_hub.clock import utcnow
from incident_hub.domain.identity import RoleMap
from incident_hub.domain.risk import RiskMatrix
from incident_hub.domain.units import UnitRegistry
from incident_hub.settings import Settings

EXTENSION_KEY = "incident_hub"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    units: UnitRegistry
    risk_matrix: RiskMatrix
    clock: Callable[[], datetime] = utcnow
    caches: dict[str, Any] = field(default_factory=dict)  # per-app caches built at start (dashboard)
    role_map: RoleMap | None = None  # OpenID Connect groups -> role and unit; None when OIDC is off


# The `extensions` mapping of the app whose context is current, so tests may swap the Runtime.
_app_extensions: ContextVar[Mapping[str, Any] | None] = ContextVar("incident_hub_app_extensions", default=None)


def bind(extensions: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Make this app's runtime current; returns what was current before, for `unbind`."""
    previous = _app_extensions.get()
    _app_extensions.set(extensions)
    return previous


def unbind(previous: Mapping[str, Any] | None) -> None:
    _app_extensions.set(previous)


def runtime() -> Runtime:
    extensions = _app_extensions.get()
    if extensions is None:
        raise RuntimeError("No incident_hub app context: push one with app.app_context().")
    return extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


def units() -> UnitRegistry:
    return runtime().units


def settings() -> Settings:
    return runtime().settings


def risk_matrix() -> RiskMatrix:
    return runtime().risk_matrix


def role_map() -> RoleMap | None:
    return runtime().role_map


def now() -> datetime:
    return runtime().clock()
