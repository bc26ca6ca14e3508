"""A library's booking counter: the seat map cache's key, and attendance's kept bookings'.

Triggers bump it at every change of a booking, its pauses or its given-back days
(migration tenant_booking_0003, kit/change_counters.py), whoever writes. The booking
service reads it for its kept seat maps (service/map_cache.py) and answers a library's
attendance bookings with an ETag naming it; the attendance service reads the same
counter in its own transaction and uses its kept list while it reads the same
(`BookingClient.library_bookings_if_current`).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.change_counters import counter_table, database_name, version_of

map_versions = counter_table("booking_map_versions")


async def bookings_etag(session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID) -> str:
    """The ETag of the library's bookings as of the session's transaction."""
    version = await version_of(session, map_versions, tenant_id, library_id)
    return f'"{database_name(session)}.{version}"'
