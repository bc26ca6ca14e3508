"""Credits bought from StudySpot: the purchase here, the money through the platform's merchant.

StudySpot sells the credits, as it sells its plans, so the payment goes to the platform's
own Razorpay account and is invoiced with the platform's GST invoices, both of which the
subscription service holds (its `credit_sales.py`); the tenant's own student-payment
accounts are never involved. This service keeps the purchase and the wallet:

1. `start`: the amount is checked against the packs and limits (`MESSAGE_CREDIT_*`), the
   subscription service makes the Razorpay order (no transaction open), and the purchase
   is stored `ordered` with the order's id;
2. the payment is known captured either by Checkout's signed answer (`verify`: the
   subscription service checks the signature, the order and the captured payment, and
   invoices it) or by the signed `order.paid` webhook at the subscription service, which
   announces `subscription.credits_purchased` (the consumer below);
3. `settle`, from either: one conditional UPDATE moves the purchase from `ordered` to
   `paid`, and only the call that moved it adds the `purchase` entry to the ledger, which
   is itself unique per purchase. Replays, the second of the two paths, and redelivered
   events add nothing; a failed or abandoned payment never settles.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.errors import Unprocessable
from studyspot.kit.pagination import PageParams, paginate
from studyspot.kit.scope import Actor
from studyspot.services.message import credits
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.errors import PurchaseNotFound
from studyspot.services.message.models import CreditPurchase
from studyspot.services.message.upstream import (
    CreditOrderRequest,
    CreditPaymentCheck,
    CreditsPurchased,
    SubscriptionClient,
)

PROVIDER = "razorpay"
log = structlog.get_logger("studyspot.message")


def check_amount(config: MessageSettings, amount: int) -> None:
    """A pack, or whole rupees within the limits (422 `invalid_credit_amount` otherwise)."""
    if amount in config.credit_packs_paise:
        return
    low, high = config.credit_purchase_min_paise, config.credit_purchase_max_paise
    if amount % 100 or not low <= amount <= high:
        raise Unprocessable(
            f"Buy a pack or whole rupees from {low // 100} to {high // 100}",
            code="invalid_credit_amount",
            errors=[{"field": "amount_paise", "message": "not a pack nor within the limits"}],
        )


async def start(
    session: AsyncSession,
    subscriptions: SubscriptionClient,
    config: MessageSettings,
    tenant_id: uuid.UUID,
    amount: int,
    actor: Actor,
    now: datetime,
) -> tuple[CreditPurchase, str, str]:
    """The purchase and its Razorpay order: (purchase, key id, Checkout's script URL).

    The order is asked for before `session` runs a statement (no transaction is open while
    the subscription service works); the purchase is written in `session`, the request's
    unit of work, with the stored answer of its `Idempotency-Key`."""
    check_amount(config, amount)
    purchase_id = uuid.uuid4()
    made = await subscriptions.credit_order(
        CreditOrderRequest(tenant_id=tenant_id, purchase_id=purchase_id, amount_paise=amount)
    )
    purchase = CreditPurchase(
        id=purchase_id,
        tenant_id=tenant_id,
        amount_paise=amount,
        status="ordered",
        provider=PROVIDER,
        provider_order_id=made.provider_order_id,
        created_by=actor.id,
        created_at=now,
    )
    session.add(purchase)
    await record(
        session,
        "message.credits_ordered",
        "message_credit_purchase",
        purchase_id,
        tenant_id=tenant_id,
        actor_id=actor.id,
        actor_type=actor.type,
        details={"amount_paise": amount, "provider_order_id": made.provider_order_id},
    )
    await session.flush()
    return purchase, made.key_id, made.checkout_script_url


async def get(
    session: AsyncSession, tenant_id: uuid.UUID, purchase_id: uuid.UUID
) -> CreditPurchase:
    found = await session.scalar(
        select(CreditPurchase).where(
            CreditPurchase.tenant_id == tenant_id, CreditPurchase.id == purchase_id
        )
    )
    if found is None:
        raise PurchaseNotFound("No such credit purchase")
    return found


async def verify(
    db: Database,
    subscriptions: SubscriptionClient,
    tenant_id: uuid.UUID,
    purchase_id: uuid.UUID,
    order_id: str,
    payment_id: str,
    signature: str,
    now: datetime,
) -> CreditPurchase:
    """Checkout's signed answer for one of this tenant's purchases (404 for another's):
    checked and invoiced by the platform's merchant, then settled here."""
    async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
        purchase = await get(session, tenant_id, purchase_id)
        ours = purchase.provider_order_id
    if ours != order_id:
        raise Unprocessable(
            "Checkout answered for another order",
            code="validation_error",
            errors=[{"field": "razorpay_order_id", "message": "not this purchase's order"}],
        )
    sale = await subscriptions.credit_paid(
        CreditPaymentCheck(
            tenant_id=tenant_id,
            purchase_id=purchase_id,
            provider_order_id=order_id,
            provider_payment_id=payment_id,
            signature=signature,
        )
    )
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        await settle(session, tenant_id, sale, now)
        return await get(session, tenant_id, purchase_id)


async def settle(
    session: AsyncSession, tenant_id: uuid.UUID, sale: CreditsPurchased, now: datetime
) -> bool:
    """The paid purchase's credits into the wallet, once; True if this call added them."""
    moved = await session.execute(
        update(CreditPurchase)
        .where(
            CreditPurchase.tenant_id == tenant_id,
            CreditPurchase.id == sale.purchase_id,
            CreditPurchase.provider_order_id == sale.provider_order_id,
            CreditPurchase.amount_paise == sale.amount_paise,
            CreditPurchase.status == "ordered",
        )
        .values(
            status="paid",
            provider_payment_id=sale.provider_payment_id,
            invoice_number=sale.invoice_number,
            paid_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        # Settled already (a replay, the other path), or not a purchase of ours as ordered.
        return False
    purchase = await get(session, tenant_id, sale.purchase_id)
    await credits.purchased(
        session,
        tenant_id,
        purchase.id,
        purchase.amount_paise,
        by=purchase.created_by,
        note=f"Bought: invoice {sale.invoice_number}",
        now=now,
    )
    await record(
        session,
        "message.credits_purchased",
        "message_credit_purchase",
        purchase.id,
        tenant_id=tenant_id,
        actor_id=None,
        actor_type="system",
        details={
            "amount_paise": purchase.amount_paise,
            "provider_payment_id": sale.provider_payment_id,
            "invoice_number": sale.invoice_number,
        },
    )
    return True


async def listed(
    session: AsyncSession, tenant_id: uuid.UUID, params: PageParams
) -> tuple[list[CreditPurchase], int]:
    query = select(CreditPurchase).where(CreditPurchase.tenant_id == tenant_id)
    return await paginate(
        session, query, params, [CreditPurchase.created_at.desc(), CreditPurchase.id]
    )
