"""How long raw intake payloads and the files of closed incidents are kept (`RETENTION_DAYS`).

What is purged, and what never is:
- an intake delivery's raw body, once it is older than the limit and none of its alerts belongs to an
  incident still open or closed less than the limit ago (the evidence of a live case stays);
- the bytes of the attachments of an incident closed more than the limit ago (reopening an incident
  stops the clock, since it clears `closed_at`).
The incident, its metadata, the delivery and attachment rows (with the SHA-256 that makes a copy
verifiable) and every audit entry stay. Off unless configured: removing evidence cannot be undone,
so the period is the organisation's records decision, not a default of this software.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# A floor, so a slip ("3" for "365") cannot wipe the evidence of last week's incidents.
MIN_RETENTION_DAYS = 30
# A stored file touched (re-uploaded) this recently is left for the next run: the upload that touched
# it may not have committed its row yet.
RECENT_FILE = timedelta(hours=1)
# Files of rows purged this recently are checked again, in case a run stopped between the commit
# and the removal of the bytes.
RECHECK_FILES = timedelta(days=7)


def retention_error(days: int | None) -> str | None:
    """Why `days` is not a usable RETENTION_DAYS, or None (None itself means "keep everything")."""
    if days is not None and days < MIN_RETENTION_DAYS:
        return f"RETENTION_DAYS must be at least {MIN_RETENTION_DAYS} (or empty to keep everything), not {days}."
    return None


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Anything received, or closed, before this moment is past the limit."""
    return now - timedelta(days=days)
