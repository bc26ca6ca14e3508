"""bcrypt password hashing with its 72-byte limit enforced, never silently truncated."""

from __future__ import annotations

import bcrypt

BCRYPT_MAX_BYTES = 72
MIN_PASSWORD_CHARS = 8


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"must be at least {MIN_PASSWORD_CHARS} characters"
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        return f"must be at most {BCRYPT_MAX_BYTES} bytes in UTF-8"
    return None


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    raw = password.encode("utf-8")
    if len(raw) > BCRYPT_MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(raw, hashed.encode("ascii"))
    except ValueError:
        return False


# Compared against when the account does not exist, so that timing does not tell.
DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(4)).decode("ascii")
