"""A lock on a name for the rest of a transaction: one check-then-write at a time.

Two requests that each read "is there room / was this sent lately?" and then write
must not both pass the check. On PostgreSQL they take a transaction-scoped advisory
lock keyed by the name first, and the second waits until the first commits. On SQLite
a writing unit of work already holds the file's single write lock from its first
statement (BEGIN IMMEDIATE, kit/db.py), so there is nothing to take.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def lock_key(*parts: object) -> int:
    """A stable signed 64-bit key for `parts` (the same in every process and release)."""
    digest = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_until_commit(session: AsyncSession, *parts: object) -> None:
    """Hold the lock named by `parts` until the session's transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(_LOCK, {"key": lock_key(*parts)})
