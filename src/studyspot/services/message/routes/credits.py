"""Credits for the paid channels: the tenant's balance and ledger; grants by platform admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import Page, Paging
from studyspot.kit.state import kit_state
from studyspot.services.message import credits
from studyspot.services.message.dependencies import MessagesManage, PlatformAdmin
from studyspot.services.message.schemas import CreditBalance, CreditEntryRead, CreditGrant

router = APIRouter(prefix="/api/messages/credits", tags=["credits"])


@router.get(
    "",
    response_model=CreditBalance,
    responses=problem_responses(403),
    summary="The tenant's credits for SMS and WhatsApp (owners)",
)
async def get_balance(who: MessagesManage, session: TenantSession) -> CreditBalance:
    return CreditBalance(balance_paise=await credits.balance(session, who.require_tenant()))


@router.get(
    "/ledger",
    response_model=Page[CreditEntryRead],
    responses=problem_responses(403),
    summary="The credits ledger, newest first (owners); its amounts sum to the balance",
)
async def get_ledger(
    who: MessagesManage, session: TenantSession, paging: Paging
) -> Page[CreditEntryRead]:
    rows, total = await credits.entries(session, who.require_tenant(), paging)
    return Page(
        items=[CreditEntryRead.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post(
    "/{tenant_id}/grants",
    status_code=201,
    response_model=CreditBalance,
    responses=problem_responses(403, 404),
    summary="Add credits to a tenant (platform admins, until purchases go through payment)",
)
async def grant_credits(
    tenant_id: uuid.UUID, body: CreditGrant, who: PlatformAdmin, request: Request
) -> CreditBalance:
    """404 `tenant_not_found` for an unknown tenant."""
    balance = await credits.grant_to_tenant(
        kit_state(request.app),
        tenant_id,
        body.amount_paise,
        by=who.user_id,
        note=body.note,
        now=utcnow(),
    )
    return CreditBalance(balance_paise=balance)
