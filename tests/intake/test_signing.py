"""Delivery credentials (reference/STANDARDS.md §2-§4), without app or database."""

from __future__ import annotations

import base64
import hmac

import pytest

from incident_hub.errors import BadSignature, StaleDelivery
from incident_hub.intake.secrets import decrypt_secret, encrypt_secret, generate_secret
from incident_hub.intake.signing import (
    sign_grafana,
    sign_standard_webhooks,
    verify_bearer,
    verify_grafana,
    verify_standard_webhooks,
    whsec_key,
)

# STANDARDS.md §4: the Standard Webhooks libraries' test vector.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID, VECTOR_TS, VECTOR_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def sw_headers(sig: str, ts: int = VECTOR_TS, msg_id: str = VECTOR_ID) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}


def test_standard_webhooks_test_vector():
    assert sign_standard_webhooks(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG
    got = verify_standard_webhooks([VECTOR_SECRET], sw_headers(VECTOR_SIG), VECTOR_BODY, VECTOR_TS + 10, 300)
    assert got == VECTOR_ID


def test_standard_webhooks_accepts_any_of_several_signatures_and_secrets():
    other = generate_secret("generic")
    header = f"v1,bm90LXRoaXM= v1a,ed25519stuff {VECTOR_SIG}"
    verify_standard_webhooks([other, VECTOR_SECRET], sw_headers(header), VECTOR_BODY, VECTOR_TS, 300)


@pytest.mark.parametrize(
    "headers",
    [
        sw_headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF="),  # one bit off
        sw_headers(VECTOR_SIG, msg_id="msg_other"),  # signed bytes include the id
        sw_headers(VECTOR_SIG, ts=VECTOR_TS + 1),  # and the timestamp
        sw_headers(VECTOR_SIG.replace("v1,", "v2,")),
        {"webhook-id": VECTOR_ID, "webhook-signature": VECTOR_SIG},  # no timestamp
        {},
    ],
)
def test_standard_webhooks_refusals(headers):
    with pytest.raises(BadSignature) as info:
        verify_standard_webhooks([VECTOR_SECRET], headers, VECTOR_BODY, VECTOR_TS, 300)
    assert info.value.code == "bad_signature"


def test_standard_webhooks_stale_only_after_a_good_signature():
    with pytest.raises(StaleDelivery):
        verify_standard_webhooks([VECTOR_SECRET], sw_headers(VECTOR_SIG), VECTOR_BODY, VECTOR_TS + 301, 300)
    with pytest.raises(StaleDelivery):
        verify_standard_webhooks([VECTOR_SECRET], sw_headers(VECTOR_SIG), VECTOR_BODY, VECTOR_TS - 301, 300)
    verify_standard_webhooks([VECTOR_SECRET], sw_headers(VECTOR_SIG), VECTOR_BODY, VECTOR_TS + 300, 300)


def test_grafana_hmac_hex_over_timestamp_and_body():
    secret, body, ts = "grafana-secret", b'{"a":1}', 1_700_000_000
    import hashlib
    import hmac

    expected = hmac.new(b"grafana-secret", b'1700000000:{"a":1}', hashlib.sha256).hexdigest()
    assert sign_grafana(secret, ts, body) == expected
    headers = {"X-Grafana-Alerting-Signature": expected, "X-Grafana-Alerting-Timestamp": str(ts)}
    verify_grafana(["old", secret], headers, body, ts, 300)
    with pytest.raises(StaleDelivery):
        verify_grafana([secret], headers, body, ts + 301, 300)
    with pytest.raises(BadSignature):
        verify_grafana([secret], {**headers, "X-Grafana-Alerting-Timestamp": str(ts + 1)}, body, ts, 300)
    with pytest.raises(BadSignature):  # the timestamp header is required
        verify_grafana([secret], {"X-Grafana-Alerting-Signature": expected}, body, ts, 300)


def test_bearer():
    verify_bearer(["a-secret"], {"Authorization": "Bearer a-secret"})
    verify_bearer(["new", "a-secret"], {"Authorization": "bearer a-secret"})
    for header in ("Bearer wrong", "Basic a-secret", "Bearer ", ""):
        with pytest.raises(BadSignature):
            verify_bearer(["a-secret"], {"Authorization": header})


def test_secrets_are_encrypted_at_rest_and_whsec_for_generic():
    generic = generate_secret("generic")
    assert generic.startswith("whsec_") and len(generic) > 40
    token = encrypt_secret("key-1", generic)
    assert generic not in token
    assert decrypt_secret("key-1", token) == generic
    with pytest.raises(RuntimeError):
        decrypt_secret("another-key", token)


# One signer for both directions (issue 11): intake verifies and services/outbox.py signs with
# sign_standard_webhooks; a secret whose key is not base64 is refused, decided here once.
@pytest.mark.parametrize("secret", ["whsec_not base64!", "whsec_", "whsec_YWJj$"])
def test_a_whsec_secret_that_is_not_base64_is_refused_not_used_as_text(secret):
    with pytest.raises(ValueError, match="not base64"):
        whsec_key(secret)
    with pytest.raises(ValueError):
        sign_standard_webhooks(secret, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    # On intake such a secret matches nothing (401), while a good one beside it still does.
    text_sig = (
        "v1,"
        + base64.b64encode(
            hmac.new(
                secret.removeprefix("whsec_").encode(), f"{VECTOR_ID}.{VECTOR_TS}.".encode() + VECTOR_BODY, "sha256"
            ).digest()
        ).decode()
    )
    with pytest.raises(BadSignature) as info:
        verify_standard_webhooks([secret], sw_headers(text_sig), VECTOR_BODY, VECTOR_TS, 300)
    assert "not base64" in info.value.hint
    verify_standard_webhooks([secret, VECTOR_SECRET], sw_headers(VECTOR_SIG), VECTOR_BODY, VECTOR_TS, 300)


def test_the_prefix_is_optional_and_str_and_bytes_bodies_sign_alike():
    bare = VECTOR_SECRET.removeprefix("whsec_")
    assert sign_standard_webhooks(bare, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG
    assert sign_standard_webhooks(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY.decode()) == VECTOR_SIG


def test_the_escalation_secret_is_checked_at_start():
    from incident_hub.settings import SettingsError
    from tests.conftest import make_settings

    url = "https://hooks.example.org/escalations"
    with pytest.raises(SettingsError, match=r"ESCALATION_WEBHOOK_SECRET: .*not base64"):
        make_settings(None, escalation_webhook_url=url, escalation_webhook_secret="whsec_not base64!").check()
    make_settings(None, escalation_webhook_url=url, escalation_webhook_secret=VECTOR_SECRET).check()
