"""The one place that reads the wall clock; the domain core is always given "now"."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(value: datetime | None) -> str | None:
    """API time format: ISO 8601 in UTC with `Z`, microseconds only when there are any."""
    if value is None:
        return None
    text = (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if value.tzinfo
        else value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )
    return text.replace(".000000Z", "Z")
