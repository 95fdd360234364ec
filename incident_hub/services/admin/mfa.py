"""A second factor for local accounts: TOTP (RFC 6238, pyotp) and ten one-time recovery codes.

The TOTP secret is stored encrypted (Fernet, with a key derived from SECRET_KEY by HKDF), so a copy of
the database alone does not give the codes away; recovery codes are stored as SHA-256 digests (they
are 50 random bits, tried only through the throttled sign-in). A TOTP code works once: the time step
it belongs to is remembered and an equal or earlier step is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select

from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import ValidationError
from incident_hub.extensions import db
from incident_hub.models import RecoveryCode, User
from incident_hub.runtime import now, settings
from incident_hub.services.admin.users import get_user_by_name
from incident_hub.services.uow import unit_of_work

ISSUER = "incident_hub"
RECOVERY_CODES = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"incident_hub mfa secret").derive(
        settings().secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(username: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code of the provisioning URI, rendered here as SVG (no external service sees the secret)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is, if not used yet."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None


def _digest(code: str) -> str:
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_codes() -> list[str]:
    codes = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def confirm_enrolment(user_id: int, secret: str, code: str) -> list[str]:
    """Turn MFA on once the person proves their authenticator works; the recovery codes, shown once."""
    with unit_of_work(str(user_id)) as uow:
        user = uow.session.get(User, user_id)
        if user is None or user.is_oidc:
            raise ValidationError.for_fields({"code": [Text(N_("only local accounts use this second factor"))]})
        step = _matching_step(secret, code, None)
        if step is None:
            raise ValidationError.for_fields(
                {"code": [Text(N_("this code does not match; check the time on your device"))]}
            )
        uow.actor = user.username
        user.mfa_secret = _fernet().encrypt(secret.encode()).decode()
        user.mfa_enabled, user.mfa_last_step = True, step
        user.session_version += 1  # other sessions, opened without the second factor, end
        codes = _new_recovery_codes()
        uow.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        uow.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
        uow.audit("user.mfa_enable", "user", user.id, {"mfa_enabled": False}, {"mfa_enabled": True})
    return codes


def verify_second_factor(user_id: int, code: str) -> bool:
    """A TOTP code (once) or an unused recovery code (once, audited)."""
    with unit_of_work(str(user_id)) as uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.mfa_enabled or not user.mfa_secret:
            return False
        uow.actor = user.username
        try:
            secret = _fernet().decrypt(user.mfa_secret.encode()).decode()
        except InvalidToken:  # SECRET_KEY changed: the secret is lost; `users reset-mfa` re-enrols
            return False
        step = _matching_step(secret, code, user.mfa_last_step)
        if step is not None:
            user.mfa_last_step = step
            return True
        q = select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code), RecoveryCode.used_at.is_(None)
        )
        recovery = uow.session.execute(q).scalar_one_or_none()
        if recovery is None:
            return False
        recovery.used_at = uow.now
        uow.flush()
        uow.audit("user.mfa_recovery_code_used", "user", user.id, None, {"codes_left": recovery_codes_left(user.id)})
        return True


def recovery_codes_left(user_id: int) -> int:
    q = select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    return int(db.session.execute(q).scalar_one())


def reset_mfa(username: str, actor: str) -> User:
    """Break-glass: forget the user's second factor (they enrol again), ending their sessions."""
    with unit_of_work(actor) as uow:
        user = get_user_by_name(username)
        before = {"mfa_enabled": user.mfa_enabled}
        user.mfa_secret, user.mfa_enabled, user.mfa_last_step = None, False, None
        user.session_version += 1
        uow.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        uow.audit("user.mfa_reset", "user", user.id, before, {"mfa_enabled": False})
    return user


def mfa_required(user: User) -> bool:
    return not user.is_oidc and user.role in settings().mfa_required_roles
