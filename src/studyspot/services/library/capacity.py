"""`library.capacity_changed`: a library's seats in service and its shifts, after a change.

Published in the transaction of every change to them (a seat added, put under or
back from maintenance, or removed; a shift added or removed; the library deleted),
so a consumer keeps the capacity each day had (the analytics service's KPIs of past
months) without reading this service's tables. The payload is the whole state, not
the change: events applied late or twice give the same history.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.outbox import publish
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.library.models import Library, Seat, Shift

TOPIC = "library.capacity_changed"


class CapacityChanged(BaseModel):
    """The payload: the library's whole capacity after the change (none once deleted)."""

    library_id: uuid.UUID
    active_seats: int = Field(ge=0, description="Seats not under maintenance")
    shift_ids: list[uuid.UUID]


async def publish_capacity(
    session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID, *, deleted: bool = False
) -> None:
    seats, shift_ids = 0, list[uuid.UUID]()
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
        shift_ids = list(
            await session.scalars(
                select(Shift.id)
                .where(Shift.tenant_id == tenant_id, Shift.library_id == library_id)
                .order_by(Shift.id)
            )
        )
    payload = CapacityChanged(library_id=library_id, active_seats=seats, shift_ids=shift_ids)
    await publish(session, TOPIC, payload.model_dump(mode="json"), tenant_id=tenant_id)


async def restate_all(core: Database, tenants: TenantDatabases, only: uuid.UUID | None) -> int:
    """Publish every library's capacity as it stands, one transaction per tenant.

    For consumers that began after the libraries last changed (analytics' platform
    figures count only what events told them): the payload is the whole state, so a
    restatement of an unchanged library changes no figure. How many were published.
    """
    published = 0
    for home in await tenant_homes(core):
        if only is not None and home.tenant_id != only:
            continue
        db = await tenants.get(home.database_key)
        async with unit_of_work(db, tenant_id=home.tenant_id) as session:
            ids = list(
                await session.scalars(select(Library.id).where(Library.tenant_id == home.tenant_id))
            )
            for library_id in ids:
                await publish_capacity(session, home.tenant_id, library_id)
            published += len(ids)
    return published
