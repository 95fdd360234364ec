"""A per-source token bucket, in each worker process (so the effective limit is per worker).
Exceeding it is a passing failure: 503 with Retry-After, because Alertmanager never retries a
4xx or 429 (reference/STANDARDS.md §2)."""

from __future__ import annotations

import math
import threading
import time

_lock = threading.Lock()
_buckets: dict[object, tuple[float, float]] = {}  # source key -> (tokens, at)


def wait_seconds(source_key: object, per_minute: int | None) -> int:
    """0 when a delivery may pass now (and it takes a token), else the seconds to wait."""
    if not per_minute:
        return 0
    rate = per_minute / 60.0
    now = time.monotonic()
    with _lock:
        tokens, at = _buckets.get(source_key, (float(per_minute), now))
        tokens = min(float(per_minute), tokens + (now - at) * rate)
        if tokens >= 1:
            _buckets[source_key] = (tokens - 1, now)
            return 0
        _buckets[source_key] = (tokens, now)
    return max(1, math.ceil((1 - tokens) / rate))
