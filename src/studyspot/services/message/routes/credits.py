"""Credits for the paid channels: the tenant's balance and ledger, purchases (paid to
StudySpot through its Razorpay or Cashfree account, `credit_purchases.py`); grants by
platform admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from studyspot.kit.auth import Principal, TenantSession, require_permission
from studyspot.kit.errors import problem_responses
from studyspot.kit.idempotency import IdempotencyKeyHeader, run_idempotent
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import Page, Paging
from studyspot.kit.scope import Actor
from studyspot.kit.state import kit_state
from studyspot.services.message import credit_purchases, credits
from studyspot.services.message.dependencies import (
    MessagesManage,
    PlatformAdmin,
    RuntimeDep,
    TenantDatabase,
)
from studyspot.services.message.schemas import (
    CreditBalance,
    CreditCheckout,
    CreditCheckoutAnswer,
    CreditEntryRead,
    CreditGrant,
    CreditPacks,
    CreditPurchaseCreate,
    CreditPurchaseRead,
)

router = APIRouter(prefix="/api/messages/credits", tags=["credits"])
# Buying credits is for those who send to students in bulk: managers and owners.
Buyer = Annotated[Principal, Depends(require_permission("messages:send"))]


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
    summary="Add credits to a tenant (platform admins: a gift or a correction)",
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


@router.get(
    "/packs",
    response_model=CreditPacks,
    responses=problem_responses(401, 403, 503),
    summary="What credits may be bought, and through which providers (managers, owners)",
)
async def get_packs(who: Buyer, runtime: RuntimeDep) -> CreditPacks:
    """The packs, the range of an amount of one's choosing and StudySpot's payment accounts
    (asked of the subscription service: 503 `service_unavailable` when it cannot answer)."""
    config = runtime.config
    return CreditPacks(
        packs_paise=list(config.credit_packs_paise),
        min_paise=config.credit_purchase_min_paise,
        max_paise=config.credit_purchase_max_paise,
        providers=await runtime.subscriptions.credit_providers(who.require_tenant()),
    )


@router.post(
    "/purchases",
    status_code=201,
    response_model=CreditCheckout,
    responses=problem_responses(401, 403, 409, 422, 502, 503),
    summary="Buy credits from StudySpot: a Razorpay or Cashfree order for its checkout "
    "(managers, owners)",
)
async def buy_credits(
    body: CreditPurchaseCreate,
    request: Request,
    who: Buyer,
    runtime: RuntimeDep,
    session: TenantSession,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """The purchase `ordered` on StudySpot's own account (not the library's) with
    `provider` (left out: the default, the first of `GET /credits/packs` `providers`), and
    what its checkout opens with, loaded from `checkout_script_url`: Razorpay Checkout with
    `key_id` and `provider_order_id`; Cashfree's JS SDK in `cashfree_mode` with
    `payment_session_id`. Paid, the wallet gets `amount_paise` once, with StudySpot's GST
    invoice, whether the checkout's end (`POST /purchases/{id}/verify`) or the provider's
    webhook tells first. 422 `invalid_credit_amount` for an amount that is neither a pack
    nor whole rupees within the limits; 409 `credit_provider_not_configured` when StudySpot
    has no account with the provider chosen; 503 when it has none at all."""

    async def order() -> CreditCheckout:
        purchase, made = await credit_purchases.start(
            session,
            runtime.subscriptions,
            runtime.config,
            who.require_tenant(),
            body.amount_paise,
            Actor.of(who),
            utcnow(),
            body.provider,
        )
        read = CreditPurchaseRead.model_validate(purchase)
        return CreditCheckout(
            **read.model_dump(),
            checkout_script_url=made.checkout_script_url,
            key_id=made.key_id,
            payment_session_id=made.payment_session_id,
            cashfree_mode=made.cashfree_mode,
        )

    return await run_idempotent(
        request,
        idempotency_key,
        principal=who,
        session=session,
        payload=body,
        status_code=201,
        action=order,
    )


@router.post(
    "/purchases/{purchase_id}/verify",
    response_model=CreditPurchaseRead,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 502, 503),
    summary="The checkout ended: the credits in the wallet once paid (managers, owners)",
)
async def verify_purchase(
    purchase_id: uuid.UUID,
    who: Buyer,
    runtime: RuntimeDep,
    db: TenantDatabase,
    body: CreditCheckoutAnswer | None = None,
) -> CreditPurchaseRead:
    """A Razorpay purchase: Checkout's signed answer as the body (required), checked with
    Razorpay. A Cashfree purchase: no body; the order and its payments are asked of
    Cashfree (its checkout hands the browser nothing signed). 400 `signature_invalid` when
    the signature does not verify (nothing added), 409 `payment_not_captured` when the
    provider has not captured a payment for this order's amount, 422 `validation_error` for
    a body that does not fit the purchase's provider, 404 `credit_purchase_not_found` for
    another tenant's purchase. Again, or after the webhook, the purchase answers `paid` and
    nothing more is added."""
    answer = (
        (body.razorpay_order_id, body.razorpay_payment_id, body.razorpay_signature)
        if body is not None
        else None
    )
    purchase = await credit_purchases.verify(
        db, runtime.subscriptions, who.require_tenant(), purchase_id, answer, utcnow()
    )
    return CreditPurchaseRead.model_validate(purchase)


@router.get(
    "/purchases",
    response_model=Page[CreditPurchaseRead],
    responses=problem_responses(401, 403),
    summary="The tenant's credit purchases, newest first (managers, owners)",
)
async def list_purchases(
    who: Buyer, session: TenantSession, paging: Paging
) -> Page[CreditPurchaseRead]:
    rows, total = await credit_purchases.listed(session, who.require_tenant(), paging)
    return Page(
        items=[CreditPurchaseRead.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )
