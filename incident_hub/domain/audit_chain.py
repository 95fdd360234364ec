"""The tamper-evident audit chain (DOMAIN.md "Need to know"): each entry hashes the one before.

hash = SHA-256 over the canonical JSON (sorted keys, no spaces, UTC ISO time) of the
entry's fields and the previous hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    prev_hash: str
    hash: str = ""


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # 4-digit year


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(entry: ChainEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": iso_utc(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def first_broken(entries: Iterable[ChainEntry]) -> tuple[int, str] | None:
    """The seq of the first entry that does not chain, with the reason; None when intact."""
    prev_hash, prev_seq = GENESIS_HASH, 0
    for entry in entries:
        if entry.seq != prev_seq + 1:
            return entry.seq, f"sequence gap: expected {prev_seq + 1}"
        if entry.prev_hash != prev_hash:
            return entry.seq, "prev_hash does not match the previous entry's hash"
        if entry_hash(entry) != entry.hash:
            return entry.seq, "hash does not match the entry's content"
        prev_hash, prev_seq = entry.hash, entry.seq
    return None
