"""Tables of the auth service (core database): identities, sessions, one-time tokens, throttling.

Library owners and platform users keep their whole identity here. Students and
library staff are owned by the student and library services; auth keeps only
their login (`user_credentials`), keyed by the id those services gave them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import CoreBase, IdMixin, TimestampMixin, UTCDateTime, utcnow
from studyspot.services.auth.fields import EMAIL_MAX, NAME_MAX, PHONE_MAX

HASH_MAX = 64  # sha256 hex of an opaque token
PASSWORD_HASH_MAX = 72  # bcrypt's "$2b$" strings are 60 characters


class LibraryOwner(IdMixin, TimestampMixin, CoreBase):
    __tablename__ = "library_owners"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(PASSWORD_HASH_MAX), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The last security change (sessions ended, password set, roles or standing changed):
    # every request's identity check refuses access tokens issued before it.
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class _PlatformUser(IdMixin, TimestampMixin):
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(PASSWORD_HASH_MAX), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The last security change (sessions ended, password set, roles or standing changed):
    # every request's identity check refuses access tokens issued before it.
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PlatformAdmin(_PlatformUser, CoreBase):
    __tablename__ = "platform_admins"


class PlatformStaff(_PlatformUser, CoreBase):
    __tablename__ = "platform_staff"


class UserCredential(IdMixin, TimestampMixin, CoreBase):
    """The login of a student or a library staff member; the profile lives in its own service."""

    __tablename__ = "user_credentials"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_table", "user_id"),
        UniqueConstraint("tenant_id", "user_table", "email"),
        UniqueConstraint("tenant_id", "user_table", "phone"),
        # The kit's identity check on every request looks rows up by user id.
        Index(None, "user_id", "user_table"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    user_table: Mapped[str] = mapped_column(String(32), nullable=False)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX), nullable=True)
    # Null until the user accepts an invite and chooses one.
    password_hash: Mapped[str | None] = mapped_column(String(PASSWORD_HASH_MAX), nullable=True)
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The last security change (sessions ended, password set, roles or standing changed):
    # every request's identity check refuses access tokens issued before it.
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RefreshToken(IdMixin, CoreBase):
    """One opaque refresh token (stored hashed); rotation chains them into a family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index(None, "user_table", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(HASH_MAX), nullable=False, unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    user_table: Mapped[str] = mapped_column(String(32), nullable=False)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # Set when the token was exchanged; presenting it again is reuse.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class OneTimeToken(IdMixin, CoreBase):
    """A single-use secret sent to the user: password reset or set-password invite."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (Index(None, "user_table", "user_id", "purpose"),)

    token_hash: Mapped[str] = mapped_column(String(HASH_MAX), nullable=False, unique=True)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    user_table: Mapped[str] = mapped_column(String(32), nullable=False)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginFailure(IdMixin, CoreBase):
    """One failed login from a client address, counted inside a sliding window.

    Kept in the core database so that every auth instance sees the same counts.
    Accounts are counted in `LoginLock` instead.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "scope", "key", "created_at"), Index(None, "created_at"))

    # "ip": key is the client address (rows of the older "account" scope are pruned).
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    key: Mapped[str] = mapped_column(String(HASH_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class LoginLock(CoreBase):
    """The progressive lock of one login name (an account key), one row per key.

    One row, updated under a row lock, so concurrent attempts on one account
    queue up and each sees the count the one before it left.
    """

    __tablename__ = "login_locks"

    # A hash of what was typed (user type, tenant slug, login name), as LoginFailure.key.
    key: Mapped[str] = mapped_column(String(HASH_MAX), primary_key=True)
    # Attempts that did not succeed since the count last started from zero.
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # From here on the row counts for nothing: the count restarts, housekeeping deletes it.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
