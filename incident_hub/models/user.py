"""Users (role and unit), their API tokens (stored as SHA-256 of a 256-bit random value), their
second factor (TOTP secret encrypted, recovery codes hashed) and the sign-in failures that throttle them."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incident_hub.models.base import Base, UTCDateTime


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(8))
    # An organisation account (OpenID Connect): its issuer and stable subject; no usable password here.
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # A local account that may still sign in with a password when LOCAL_LOGIN=false.
    break_glass: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Raised to end every session of the user at once (disable, role change, password reset).
    session_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    mfa_secret: Mapped[str | None] = mapped_column(String(255))  # Fernet-encrypted TOTP secret
    mfa_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    mfa_last_step: Mapped[int | None] = mapped_column()  # the last TOTP time step used: a code works once
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_oidc(self) -> bool:
        return self.oidc_subject is not None

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled user cannot log in
        return self.active


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_only: Mapped[bool] = mapped_column(default=False, server_default=false())

    user: Mapped[User] = relationship(back_populates="tokens")


class RecoveryCode(Base):
    """One of a user's ten one-time MFA recovery codes, stored as SHA-256 (they are 80 random bits)."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """A failed sign-in, counted per username and per address over a window, by every worker alike."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginLock(Base):
    """A username locked until a time (known or not: the answer must not tell them apart)."""

    __tablename__ = "login_locks"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime())
