"""Answers of another service kept per process under the ETag they came with.

The library's catalog and a library's attendance bookings are asked for often and
change seldom. Their owner makes their ETag from a change counter kept in the
tenant's database, so a caller can read the same ETag in its own transaction and
use the kept answer without asking at all while the counter has not moved
(`if_current`); otherwise it asks, outside its transaction, and keeps the new answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeptAnswers(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._kept: LRUCache[K, tuple[str, V]] = LRUCache(size)

    def get(self, key: K) -> tuple[str, V] | None:
        """(ETag, answer) as kept, for asking again with `If-None-Match`."""
        return self._kept.get(key)

    async def if_current(self, key: K, etag_now: Callable[[], Awaitable[str]]) -> V | None:
        """The kept answer when `etag_now` (read in the caller's transaction) still names
        it; None when nothing is kept or it is out of date (no read then without one)."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        return kept[1] if await etag_now() == kept[0] else None

    def keep(self, key: K, etag: str | None, answer: V) -> None:
        """Keep `answer` under `etag` (an answer without an ETag cannot be checked: not kept)."""
        if etag:
            self._kept[key] = (etag, answer)

    def forget(self, key: K) -> None:
        self._kept.pop(key, None)
