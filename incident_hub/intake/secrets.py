"""Source secrets: generated per format, and kept encrypted at rest (Fernet, AES-128-CBC +
HMAC-SHA256) under a key derived from SECRET_KEY, so a database dump alone cannot forge
deliveries. Changing SECRET_KEY makes stored secrets unreadable: rotate every source after it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

WHSEC_PREFIX = "whsec_"
_CONTEXT = b"incident_hub intake source secrets v1"


def generate_secret(fmt: str) -> str:
    """Generic sources get a Standard Webhooks `whsec_<base64 of 32 bytes>` secret."""
    if fmt == "generic":
        return WHSEC_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(32)


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    key = hashlib.pbkdf2_hmac("sha256", secret_key.encode(), _CONTEXT, 100_000)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret_key: str, plain: str) -> str:
    return _fernet(secret_key).encrypt(plain.encode()).decode()


@lru_cache(maxsize=256)
def decrypt_secret(secret_key: str, token: str) -> str:
    """Cached: the same ciphertext always decrypts to the same secret (rotation changes the token)."""
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("A source secret cannot be decrypted: SECRET_KEY changed? Rotate the source.") from exc
