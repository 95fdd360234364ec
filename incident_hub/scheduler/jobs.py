"""The periodic jobs: (name, interval in seconds, service function). Each is safe to run twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    seconds: int
    run: Callable[[], object]


def jobs() -> list[Job]:
    from incident_hub.services.sources import expire_delivery_keys

    return [
        Job("intake.expire_delivery_keys", 300, expire_delivery_keys),
    ]
