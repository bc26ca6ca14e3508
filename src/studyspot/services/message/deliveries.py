"""The rules behind the message routes; takes the session, never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.pagination import PageParams, paginate
from studyspot.services.message.errors import DeliveryNotFound
from studyspot.services.message.models import Delivery
from studyspot.services.message.repository import DeliveryRepository


async def list_deliveries(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    params: PageParams,
    *,
    status: str | None,
    kind: str | None,
    recipient_user_id: uuid.UUID | None,
) -> tuple[list[Delivery], int]:
    query = DeliveryRepository(session, tenant_id).select()
    if status is not None:
        query = query.where(Delivery.status == status)
    if kind is not None:
        query = query.where(Delivery.kind == kind)
    if recipient_user_id is not None:
        query = query.where(Delivery.recipient_user_id == recipient_user_id)
    return await paginate(session, query, params, [Delivery.created_at.desc(), Delivery.id])


async def get_delivery(
    session: AsyncSession, tenant_id: uuid.UUID, delivery_id: uuid.UUID
) -> Delivery:
    found = await DeliveryRepository(session, tenant_id).get(delivery_id)
    if not isinstance(found, Delivery):
        raise DeliveryNotFound("No such delivery")
    return found
