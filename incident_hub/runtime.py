"""What the running app was configured with, for services and views (set by `create_app`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from incident_hub.domain.units import UnitRegistry
from incident_hub.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    units: UnitRegistry


def runtime() -> Runtime:
    return current_app.extensions["incident_hub"]  # type: ignore[no-any-return]


def units() -> UnitRegistry:
    return runtime().units


def settings() -> Settings:
    return runtime().settings
