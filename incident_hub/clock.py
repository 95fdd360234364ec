"""The one place that reads the wall clock; the domain core is always given "now"."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
