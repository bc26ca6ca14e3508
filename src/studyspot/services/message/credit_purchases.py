"""Credits bought from StudySpot: the purchase here, the money through the platform's merchant.

StudySpot sells the credits, as it sells its plans, so the payment goes to the platform's
own Razorpay or Cashfree account and is invoiced with the platform's GST invoices, all of
which the subscription service holds (its `credit_sales.py`); the tenant's own
student-payment accounts are never involved. This service keeps the purchase and the wallet:

1. `start`: the amount is checked against the packs and limits (`MESSAGE_CREDIT_*`), the
   subscription service makes the order with the chosen provider (no transaction open),
   and the purchase is stored `ordered` with the order's id and the provider;
2. the payment is known captured either when the browser's checkout ends (`verify`:
   Razorpay's signed answer, or for Cashfree the order asked of Cashfree; the subscription
   service checks it and invoices it) or by the provider's signed webhook at the
   subscription service, which announces `subscription.credits_purchased` (the consumer);
3. `settle`, from either: one conditional UPDATE moves the purchase from `ordered` (or
   `abandoned`: money received wins) to `paid`, and only the call that moved it adds the
   `purchase` entry to the ledger, which is itself unique per purchase. Replays, the
   second of the two paths, and redelivered events add nothing; a failed payment never
   settles.
4. `abandon`: a purchase still `ordered` past `MESSAGE_CREDIT_PURCHASE_EXPIRY_HOURS` is
   marked `abandoned` by `sweep_abandoned`, a periodic job one instance runs per period.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.errors import Unprocessable
from studyspot.kit.pagination import PageParams, paginate
from studyspot.kit.scope import Actor
from studyspot.kit.state import KitState
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.message import credits
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.errors import PurchaseNotFound
from studyspot.services.message.models import CreditPurchase
from studyspot.services.message.upstream import (
    CreditOrder,
    CreditOrderCheck,
    CreditOrderRequest,
    CreditPaymentCheck,
    CreditProvider,
    CreditsPurchased,
    SubscriptionClient,
)

log = structlog.get_logger("studyspot.message")
# The name of the periodic job (kit.periodic) that marks unpaid purchases abandoned.
SWEEP_JOB = "message_credit_purchases_abandon"


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
    provider: CreditProvider | None = None,
) -> tuple[CreditPurchase, CreditOrder]:
    """The purchase and its order with `provider` (None: the platform's default), with
    what the provider's checkout opens with.

    The order is asked for before `session` runs a statement (no transaction is open while
    the subscription service works); the purchase is written in `session`, the request's
    unit of work, with the stored answer of its `Idempotency-Key`."""
    check_amount(config, amount)
    purchase_id = uuid.uuid4()
    made = await subscriptions.credit_order(
        CreditOrderRequest(
            tenant_id=tenant_id, purchase_id=purchase_id, amount_paise=amount, provider=provider
        )
    )
    purchase = CreditPurchase(
        id=purchase_id,
        tenant_id=tenant_id,
        amount_paise=amount,
        status="ordered",
        provider=made.provider,
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
        details={
            "amount_paise": amount,
            "provider": made.provider,
            "provider_order_id": made.provider_order_id,
        },
    )
    await session.flush()
    return purchase, made


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
    answer: tuple[str, str, str] | None,
    now: datetime,
) -> CreditPurchase:
    """The browser's checkout ended, for one of this tenant's purchases (404 for another's):
    Razorpay's signed `answer` (order, payment, signature), or for Cashfree nothing (its
    order is asked of Cashfree); checked and invoiced by the platform's merchant, then
    settled here."""
    async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
        purchase = await get(session, tenant_id, purchase_id)
        ours, provider = purchase.provider_order_id, purchase.provider
    if provider == "cashfree":
        if answer is not None:
            raise _unexpected("body", "a Cashfree purchase is confirmed without a body")
        sale = await subscriptions.credit_confirmed(
            CreditOrderCheck(tenant_id=tenant_id, purchase_id=purchase_id, provider_order_id=ours)
        )
    else:
        if answer is None:
            raise _unexpected("body", "Razorpay Checkout's signed answer is required")
        order_id, payment_id, signature = answer
        if ours != order_id:
            raise _unexpected("razorpay_order_id", "not this purchase's order")
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


def _unexpected(field: str, message: str) -> Unprocessable:
    return Unprocessable(
        "The checkout's answer does not fit this purchase",
        code="validation_error",
        errors=[{"field": field, "message": message}],
    )


async def settle(
    session: AsyncSession, tenant_id: uuid.UUID, sale: CreditsPurchased, now: datetime
) -> bool:
    """The paid purchase's credits into the wallet, once; True if this call added them.
    An abandoned purchase is paid too: the money was received."""
    moved = await session.execute(
        update(CreditPurchase)
        .where(
            CreditPurchase.tenant_id == tenant_id,
            CreditPurchase.id == sale.purchase_id,
            CreditPurchase.provider_order_id == sale.provider_order_id,
            CreditPurchase.amount_paise == sale.amount_paise,
            CreditPurchase.status.in_(("ordered", "abandoned")),
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


async def abandon(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime, config: MessageSettings
) -> int:
    """The tenant's purchases still `ordered` past the expiry, marked `abandoned` by one
    conditional UPDATE (a payment settling meanwhile keeps its `paid`); how many."""
    before = now - timedelta(hours=config.credit_purchase_expiry_hours)
    moved = await session.execute(
        update(CreditPurchase)
        .where(
            CreditPurchase.tenant_id == tenant_id,
            CreditPurchase.status == "ordered",
            CreditPurchase.created_at < before,
        )
        .values(status="abandoned")
        .execution_options(synchronize_session=False)
    )
    count: int = moved.rowcount  # type: ignore[attr-defined]
    return count


async def sweep_abandoned(
    kit: KitState, config: MessageSettings, clock: Callable[[], datetime]
) -> int:
    """One round of the periodic job over every tenant, each in its own unit of work (one
    tenant's trouble does not stop the others); how many purchases it marked."""
    total = 0
    for home in await tenant_homes(kit.core):
        try:
            db = await kit.tenants.get(home.database_key)
            async with unit_of_work(db, tenant_id=home.tenant_id) as session:
                total += await abandon(session, home.tenant_id, clock(), config)
        except Exception as exc:
            log.warning(
                "message.abandon_failed", tenant_id=str(home.tenant_id), error=type(exc).__name__
            )
    if total:
        log.info("message.credit_purchases_abandoned", count=total)
    return total


async def listed(
    session: AsyncSession, tenant_id: uuid.UUID, params: PageParams
) -> tuple[list[CreditPurchase], int]:
    query = select(CreditPurchase).where(CreditPurchase.tenant_id == tenant_id)
    return await paginate(
        session, query, params, [CreditPurchase.created_at.desc(), CreditPurchase.id]
    )
