"""`library.capacity_changed`: a library's seats in service and its shifts, after a change.

Published in the transaction of every change to them (a seat added, put under or
back from maintenance, or removed; a shift added or removed; the library deleted),
so a consumer keeps the capacity each day had (the analytics service's KPIs of past
months) without reading this service's tables. The payload is the whole state, not
the change: events applied late or twice give the same history.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.outbox import publish
from studyspot.services.library.models import Seat, Shift

TOPIC = "library.capacity_changed"


async def publish_capacity(
    session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID, *, deleted: bool = False
) -> None:
    seats, shift_ids = 0, []
    if not deleted:
        await session.flush()
        seats = int(
            await session.scalar(
                select(func.count()).where(
                    Seat.tenant_id == tenant_id,
                    Seat.library_id == library_id,
                    Seat.status != "maintenance",
                )
            )
            or 0
        )
        shift_ids = [
            str(s)
            for s in await session.scalars(
                select(Shift.id)
                .where(Shift.tenant_id == tenant_id, Shift.library_id == library_id)
                .order_by(Shift.id)
            )
        ]
    await publish(
        session,
        TOPIC,
        {"library_id": str(library_id), "active_seats": seats, "shift_ids": shift_ids},
        tenant_id=tenant_id,
    )
