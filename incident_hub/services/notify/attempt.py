"""The outcome of one delivery attempt, whatever the channel (webhook, email, Teams, Slack)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    code: int | None = None  # HTTP status or SMTP reply code
    error: str = ""
    retry_after: int | None = None  # seconds, when the receiver asked
    permanent: bool = False  # no retry can succeed (gone receiver, refused address)
    cancelled: bool = False  # nothing to send any more (recipient disabled or no longer concerned)
