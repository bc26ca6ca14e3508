"""`/api/v1/payments/accounts`: the owner's own provider keys. Secrets go in, never out."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import NotFound, problem_responses
from studyspot.services.payment import accounts
from studyspot.services.payment.dependencies import Context, PaymentsConfigure
from studyspot.services.payment.models import ProviderAccount
from studyspot.services.payment.schemas import (
    AccountRead,
    CashfreeAccountSave,
    RazorpayAccountSave,
    UpiAccountSave,
)

router = APIRouter(prefix="/api/v1/payments/accounts", tags=["payment accounts"])


def _read(account: ProviderAccount) -> AccountRead:
    return AccountRead(
        provider=account.provider,
        public_id=account.public_id,
        display_name=account.display_name,
        has_secret=account.secret_ciphertext is not None,
        has_webhook_secret=account.webhook_secret_ciphertext is not None,
        is_active=account.is_active,
        updated_at=account.updated_at,
    )


@router.get("", responses=problem_responses(403))
async def list_accounts(caller: PaymentsConfigure, session: TenantSession) -> list[AccountRead]:
    return [_read(a) for a in await accounts.Accounts(session, caller.tenant_id).all_accounts()]


@router.put("/razorpay", responses=problem_responses(403))
async def save_razorpay(
    body: RazorpayAccountSave, caller: PaymentsConfigure, session: TenantSession, ctx: Context
) -> AccountRead:
    """Razorpay key id, key secret and webhook secret (Dashboard → Webhooks, pointed at
    `/api/v1/payments/razorpay/webhook`)."""
    account = await accounts.save_account(
        session,
        ctx.box,
        caller.tenant_id,
        "razorpay",
        public_id=body.key_id,
        display_name=body.display_name,
        secret=body.key_secret,
        webhook_secret=body.webhook_secret,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
    )
    return _read(account)


@router.put("/cashfree", responses=problem_responses(403))
async def save_cashfree(
    body: CashfreeAccountSave, caller: PaymentsConfigure, session: TenantSession, ctx: Context
) -> AccountRead:
    """Cashfree client id and secret; Cashfree signs webhooks with the same secret."""
    account = await accounts.save_account(
        session,
        ctx.box,
        caller.tenant_id,
        "cashfree",
        public_id=body.client_id,
        display_name=None,
        secret=body.client_secret,
        webhook_secret=None,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
    )
    return _read(account)


@router.put("/upi", responses=problem_responses(403))
async def save_upi(
    body: UpiAccountSave, caller: PaymentsConfigure, session: TenantSession, ctx: Context
) -> AccountRead:
    """The library's own UPI id (VPA) and the payee name students see."""
    account = await accounts.save_account(
        session,
        ctx.box,
        caller.tenant_id,
        "upi",
        public_id=body.vpa,
        display_name=body.payee_name,
        secret=None,
        webhook_secret=None,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
    )
    return _read(account)


@router.delete("/{provider}", status_code=204, responses=problem_responses(403, 404))
async def delete_account(
    provider: Literal["upi", "razorpay", "cashfree"],
    caller: PaymentsConfigure,
    session: TenantSession,
) -> Response:
    if not await accounts.delete_account(
        session,
        caller.tenant_id,
        provider,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
    ):
        raise NotFound("This provider is not set up", code="account_not_found")
    return Response(status_code=204)
