"""A library's seat map, kept per process while nothing it is made of has changed.

An availability map of a 500-seat library reads a few thousand bookings and weighs
them against every seat: about 15 ms of CPU across the processes, for an answer that
the console asks for again and again while nothing changes (issue 16's target: p99
under 50 ms at 8 clients). A kept map is answered again only when, read in the
request's own transaction:

- the library's booking counter (`booking_map_versions`, moved by triggers at every
  change of a booking, a pause or a given-back day, whoever makes it) is what it was
  when the map was made, and
- the catalog is the very object the map was made from (the library client keeps it
  while the library service answers 304 to its ETag: no seat, shift or library change),
- and no pending hold in it has run out since (the one change that comes with time,
  not with a write).

So nothing is served that a fresh computation would not answer. Per process, bounded
(LRU), never shared across processes: each one checks the counter itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from cachetools import LRUCache

from studyspot.services.booking.upstream import LibraryCatalog

# Maps kept per process: (library, period, shift) combinations the console is showing.
MAPS_KEPT = 256

# (database, tenant, library, first day, last day, shift or None for the full day)
MapKey = tuple[str, uuid.UUID, uuid.UUID, date, date, uuid.UUID | None]


@dataclass(frozen=True, slots=True)
class KeptMap:
    version: int
    catalog: LibraryCatalog
    # The first pending hold in it runs out then (None: no hold in it).
    valid_until: datetime | None
    body: bytes


class MapCache:
    def __init__(self, size: int = MAPS_KEPT) -> None:
        self._maps: LRUCache[MapKey, KeptMap] = LRUCache(size)

    def get(
        self, key: MapKey, version: int, catalog: LibraryCatalog, now: datetime
    ) -> bytes | None:
        kept = self._maps.get(key)
        if kept is None:
            return None
        if (
            kept.version != version
            or kept.catalog is not catalog
            or (kept.valid_until is not None and now >= kept.valid_until)
        ):
            del self._maps[key]
            return None
        return kept.body

    def put(self, key: MapKey, kept: KeptMap) -> None:
        self._maps[key] = kept
