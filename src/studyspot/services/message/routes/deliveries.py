"""Routes of the message service (`/api/messages*`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.message import deliveries
from studyspot.services.message.dependencies import DeliveriesRead, PlatformAdmin, RuntimeDep
from studyspot.services.message.errors import MailboxNotFound
from studyspot.services.message.mailbox import read_mailbox
from studyspot.services.message.schemas import DeliveryRead, MailboxMessage

router = APIRouter(prefix="/api/messages", tags=["messages"])

StatusFilter = Literal["queued", "sending", "sent", "failed", "dead", "expired", "skipped"]
KindFilter = Literal[
    "password_reset",
    "invite",
    "booking_confirmed",
    "renewal_due",
    "waitlist_offer",
    "announcement",
    "notice",
    "fee_due",
    "fee_overdue",
]


@router.get(
    "/dev-mailbox",
    response_model=Page[MailboxMessage],
    responses=problem_responses(403, 404),
    summary="E-mails the development mailbox received (platform admins; not in production)",
)
async def dev_mailbox(
    _: PlatformAdmin,
    runtime: RuntimeDep,
    paging: Paging,
    to: Annotated[
        str | None, Query(max_length=254, description="Only e-mails to this address")
    ] = None,
) -> Page[MailboxMessage]:
    """With no SMTP relay configured, every e-mail lands in DATA_DIR/mailbox as an .eml
    file; this lists them newest first, so a developer can follow a reset or invite link.
    Production has no development mailbox: 404."""
    if runtime.settings.environment == "production":
        raise MailboxNotFound("Not found")
    entries, total = read_mailbox(
        runtime.mailbox, to=to, offset=paging.offset, limit=paging.page_size
    )
    return Page(
        items=[MailboxMessage.model_validate(e) for e in entries],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(403),
    summary="The tenant's deliveries, newest first (owners)",
)
async def list_deliveries(
    principal: DeliveriesRead,
    session: TenantSession,
    paging: Paging,
    status: Annotated[
        StatusFilter | None, Query(description="Only deliveries in this state")
    ] = None,
    kind: Annotated[KindFilter | None, Query(description="Only messages of this kind")] = None,
    recipient_user_id: Annotated[
        uuid.UUID | None, Query(description="Only messages to this user")
    ] = None,
) -> Page[DeliveryRead]:
    rows, total = await deliveries.list_deliveries(
        session,
        principal.require_tenant(),
        paging,
        status=status,
        kind=kind,
        recipient_user_id=recipient_user_id,
    )
    return Page(
        items=[DeliveryRead.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryRead,
    responses=problem_responses(403, 404),
    summary="One delivery of the tenant (owners)",
)
async def get_delivery(
    delivery_id: uuid.UUID, principal: DeliveriesRead, session: TenantSession
) -> DeliveryRead:
    row = await deliveries.get_delivery(session, principal.require_tenant(), delivery_id)
    return DeliveryRead.model_validate(row)
