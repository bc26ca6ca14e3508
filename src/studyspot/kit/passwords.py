"""bcrypt password hashing with its 72-byte limit enforced, never silently truncated."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=4)
def dummy_hash(rounds: int) -> str:
    """A hash to verify against when the account does not exist (or has no password yet).

    It must cost the same rounds as the real hashes, or the quick answer for an
    unknown account would tell an attacker which e-mails are registered.
    """
    return hash_password("not-a-real-password", rounds)
