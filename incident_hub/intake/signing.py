"""Delivery credentials per format (reference/STANDARDS.md §2-§4), checked on the raw bytes
before anything is parsed, always in constant time, against every secret a source accepts
(the current one, and the previous one during a rotation's grace period).

- generic: Standard Webhooks v1 — base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the
  decoded `whsec_` key; `webhook-signature` may carry several space-separated signatures. The same
  signer signs our outbound webhooks (services/outbox.py): one implementation, both directions.
  A secret is `whsec_<base64>` (the prefix optional, as in the Standard Webhooks libraries); one
  whose key is not base64 is refused (`ValueError`): the escalation secret at start
  (Settings.check), an intake secret by never matching (the hint says why).
- grafana: hex HMAC-SHA256 of `{timestamp}:{body}` in X-Grafana-Alerting-Signature, with the
  timestamp in X-Grafana-Alerting-Timestamp (required, so deliveries are replay-bounded).
- alertmanager: `Authorization: Bearer <secret>` (Alertmanager cannot sign; TLS required).

A signature is checked before the timestamp, so only a holder of the secret learns that a
delivery was stale. Every other refusal answers the same 401 `bad_signature` message, also for
an unknown or disabled source, so source names cannot be probed; the precise hint goes only to
the server log (`Refused.hint`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from typing import Protocol

from incident_hub.errors import BadSignature, StaleDelivery
from incident_hub.intake.secrets import WHSEC_PREFIX

GRAFANA_SIGNATURE = "X-Grafana-Alerting-Signature"
GRAFANA_TIMESTAMP = "X-Grafana-Alerting-Timestamp"
MAX_WEBHOOK_ID = 128


class Headers(Protocol):
    """Werkzeug's request headers, or a dict: case-insensitive lookups are the caller's business."""

    def get(self, key: str, /) -> str | None: ...


class Refused(BadSignature):
    def __init__(self, hint: str):
        super().__init__()
        self.hint = hint


def whsec_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: the base64 after the optional `whsec_` prefix.
    ValueError when it is not base64 (decided once: never a silent fallback to the text's bytes)."""
    raw = secret.removeprefix(WHSEC_PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except binascii.Error:
        key = b""
    if not key:
        raise ValueError(f"a Standard Webhooks secret is {WHSEC_PREFIX}<base64>; this one's key is not base64")
    return key


def sign_standard_webhooks(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The `v1,<base64>` signature a Standard Webhooks sender puts in `webhook-signature`
    (ValueError for a secret `whsec_key` refuses)."""
    signed = f"{msg_id}.{timestamp}.".encode() + (body.encode() if isinstance(body, str) else body)
    digest = hmac.new(whsec_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_grafana(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


def _timestamp(value: str | None) -> int:
    if not value or not value.strip().isdigit() or len(value.strip()) > 12:
        raise Refused("The delivery's timestamp header is missing or not Unix seconds.")
    return int(value.strip())


def _check_fresh(timestamp: int, now: float, tolerance: int) -> None:
    if abs(now - timestamp) > tolerance:
        raise StaleDelivery(
            f"The delivery's timestamp is more than {tolerance} s away from our clock.",
            {"tolerance_seconds": tolerance},
        )


def verify_standard_webhooks(secrets: Sequence[str], headers: Headers, body: bytes, now: float, tolerance: int) -> str:
    """Check a generic delivery; answer its `webhook-id` (the idempotency key)."""
    msg_id = headers.get("webhook-id") or ""
    header = headers.get("webhook-signature") or ""
    if not msg_id or len(msg_id) > MAX_WEBHOOK_ID or not header:
        raise Refused("Send the webhook-id, webhook-timestamp and webhook-signature headers.")
    timestamp = _timestamp(headers.get("webhook-timestamp"))
    offered = [part.encode() for part in header.split() if part.startswith("v1,")]
    expected, unusable = [], 0
    for secret in secrets:
        try:
            expected.append(sign_standard_webhooks(secret, msg_id, timestamp, body).encode())
        except ValueError:
            unusable += 1  # matches nothing; only the server log hears of it
    if not _any_equal(offered, expected):
        raise Refused("no signature matches" + (f" ({unusable} source secret(s) not base64)" if unusable else ""))
    _check_fresh(timestamp, now, tolerance)
    return msg_id


def verify_grafana(secrets: Sequence[str], headers: Headers, body: bytes, now: float, tolerance: int) -> None:
    offered = (headers.get(GRAFANA_SIGNATURE) or "").strip().lower().encode()
    if not offered:
        raise Refused(f"Send the {GRAFANA_SIGNATURE} header (Grafana's HMAC option).")
    timestamp = _timestamp(headers.get(GRAFANA_TIMESTAMP))
    expected = [sign_grafana(s, timestamp, body).encode() for s in secrets]
    if not _any_equal([offered], expected):
        raise Refused("no signature matches")
    _check_fresh(timestamp, now, tolerance)


def verify_bearer(secrets: Sequence[str], headers: Headers) -> None:
    scheme, _, raw = (headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Refused("Send the source secret as 'Authorization: Bearer <secret>'.")
    if not _any_equal([raw.strip().encode()], [s.encode() for s in secrets]):
        raise Refused("no signature matches")


def _any_equal(offered: Sequence[bytes], expected: Sequence[bytes]) -> bool:
    """Every pair is compared (no early exit), each in constant time."""
    found = False
    for a in offered:
        for b in expected:
            found |= hmac.compare_digest(a, b)
    return found
