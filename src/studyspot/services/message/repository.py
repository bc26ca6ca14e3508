"""Queries and conditional transitions of deliveries, in either database.

One repository serves both tables (`Delivery` in tenant databases, scoped to
a tenant; `PlatformDelivery` in the core database, no tenant). Every change of
state is a conditional UPDATE that reports whether it won, so two dispatchers
racing on one delivery never both send it within a lease.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from studyspot.services.message.models import (
    PENDING,
    Delivery,
    DeliveryStatus,
    PlatformDelivery,
)

DeliveryModel = type[Delivery] | type[PlatformDelivery]


class DeliveryRepository:
    def __init__(
        self, session: AsyncSession, tenant_id: uuid.UUID | None, model: DeliveryModel = Delivery
    ) -> None:
        if (model is Delivery) != (tenant_id is not None):
            raise ValueError("tenant deliveries need a tenant; platform deliveries have none")
        self.session = session
        self.tenant_id = tenant_id
        self.model = model

    def _where(self, *conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        scoped = list(conditions)
        if self.model is Delivery:
            scoped.append(Delivery.tenant_id == self.tenant_id)
        return scoped

    def select(self) -> Select[Any]:
        return select(self.model).where(*self._where())

    async def get(
        self, delivery_id: uuid.UUID, *, fresh: bool = False
    ) -> Delivery | PlatformDelivery | None:
        query = self.select().where(self.model.id == delivery_id)
        if fresh:  # after a conditional UPDATE, not what the session remembers
            query = query.execution_options(populate_existing=True)
        return (await self.session.scalars(query)).first()

    async def exists_for(self, event_id: uuid.UUID, recipient: str, channel: str) -> bool:
        m = self.model
        query = select(m.id).where(
            *self._where(m.event_id == event_id, m.recipient == recipient, m.channel == channel)
        )
        return (await self.session.scalars(query.limit(1))).first() is not None

    async def add(self, delivery: Delivery | PlatformDelivery) -> None:
        if isinstance(delivery, Delivery):
            assert self.tenant_id is not None
            delivery.tenant_id = self.tenant_id
        self.session.add(delivery)
        await self.session.flush()

    async def due(self, now: datetime, limit: int) -> list[uuid.UUID]:
        """Deliveries to take now: queued ones whose time came, and claims whose lease ran out."""
        m = self.model
        query = (
            select(m.id)
            .where(*self._where(m.status.in_(PENDING), m.next_attempt_at <= now))
            .order_by(m.next_attempt_at)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def claim(
        self, delivery_id: uuid.UUID, now: datetime, lease_until: datetime
    ) -> Delivery | PlatformDelivery | None:
        """Take the delivery for one attempt until `lease_until`; None if another took it."""
        m = self.model
        won = await self.session.execute(
            update(m)
            .where(
                *self._where(m.id == delivery_id, m.status.in_(PENDING), m.next_attempt_at <= now)
            )
            .values(
                status=DeliveryStatus.sending,
                attempts=m.attempts + 1,
                next_attempt_at=lease_until,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            return None
        found = await self.session.scalars(
            self.select().where(m.id == delivery_id).execution_options(populate_existing=True)
        )
        return found.first()

    async def settle(
        self, delivery_id: uuid.UUID, attempt: int, now: datetime, **values: Any
    ) -> bool:
        """Record the outcome of attempt number `attempt`, if the claim is still ours."""
        m = self.model
        done = await self.session.execute(
            update(m)
            .where(
                *self._where(
                    m.id == delivery_id,
                    m.status == DeliveryStatus.sending,
                    m.attempts == attempt,
                )
            )
            .values(updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]
