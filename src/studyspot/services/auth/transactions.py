"""The auth service's unit of work: it also keeps the bookkeeping of refused requests.

Like the kit's, it commits when the handler returns and rolls back when it
raises, with two additions:

- a `Refusal` (failed login, reused refresh token, ...) commits before the
  error is answered, so the audit row, the failure count or the revoked token
  family it wrote are kept;
- work done in another service during the request (the tenant of a signup) is
  undone by the compensations registered with `on_rollback` when the request
  fails after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, tracked
from studyspot.services.auth.errors import Refusal

_UNDO = "studyspot.auth.undo"
log = structlog.get_logger("studyspot.auth")

Undo = Callable[[], Awaitable[object]]


def on_rollback(session: AsyncSession, undo: Undo) -> None:
    """Run `undo` if this unit of work does not commit."""
    session.info.setdefault(_UNDO, []).append(undo)


async def end_reads(session: AsyncSession) -> None:
    """Close the transaction of the reads so far, before calling another service.

    Holding a transaction across a network call is never good, and on SQLite
    every transaction holds the single write lock that the callee (the tenant
    service writes the same core database) would wait for. Only call this when
    nothing was written yet.
    """
    assert not session.new and not session.dirty and not session.deleted
    await session.rollback()


async def _compensate(session: AsyncSession) -> None:
    for undo in reversed(session.info.pop(_UNDO, [])):
        try:
            await undo()
        except Exception as exc:
            # Nothing more to do here than to tell operators what is left over.
            log.error("compensation_failed", exc_info=exc)


@asynccontextmanager
async def auth_unit_of_work(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.sessionmaker() as session:
        with tracked(session):
            try:
                yield session
                await session.commit()
            except Refusal:
                await session.commit()
                raise
            except BaseException:
                await session.rollback()
                await _compensate(session)
                raise
            session.info.pop(_UNDO, None)
