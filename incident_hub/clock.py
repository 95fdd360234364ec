"""The one place that reads the wall clock; the domain core is always given "now"."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(value: datetime | None) -> str | None:
    """API time format: ISO 8601 in UTC with `Z`, microseconds only when there are any, and a
    four-digit year (strftime's %Y writes year 856 as "856", which is not ISO 8601)."""
    if value is None:
        return None
    naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    text = naive.isoformat(timespec="microseconds") + "Z"
    return text.replace(".000000Z", "Z")
