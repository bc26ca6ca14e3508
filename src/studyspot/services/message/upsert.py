"""Insert-or-update of one row by its natural key, in one statement on either backend.

Two requests recording the same choice at once must not both insert (a unique
violation, a 500) nor one silently lose: with ON CONFLICT the later write wins
whole, which is what "the user's latest choice" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def upsert(
    session: AsyncSession,
    model: Any,
    values: dict[str, Any],
    key: Sequence[str],
) -> None:
    insert = sqlite_insert if _dialect(session) == "sqlite" else pg_insert
    stmt = insert(model).values(**values)
    changed = {k: v for k, v in values.items() if k not in (*key, "id")}
    await session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=changed))


async def insert_once(
    session: AsyncSession, model: Any, values: dict[str, Any], key: Sequence[str]
) -> bool:
    """Insert unless a row with the same key exists; True if this call inserted it."""
    insert = sqlite_insert if _dialect(session) == "sqlite" else pg_insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=list(key))
    done = await session.execute(stmt)
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]
