"""Message credits sold by StudySpot to a tenant, through the platform's own merchant code.

The platform is the merchant, as for its plans: StudySpot's Razorpay account makes the
order (`notes.purpose` `message_credits`, the tenant and the message service's purchase),
the payment is known captured either by Checkout's signed answer (checked against the
payment fetched from Razorpay and the order's own notes) or by the signed `order.paid`
webhook, and the sale gets the platform GST invoice (`invoicing.issue`, the same code as a
plan's). The invoice and `subscription.credits_purchased` are written in one transaction
under the tenant's subscription row lock, once per Razorpay payment: the second of webhook
and Checkout, and every replay, finds the invoice and answers the same sale. The message
service adds the credits to the wallet from the event (or from the verification's answer),
once per purchase.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.services.subscription import errors, invoicing, service
from studyspot.services.subscription.billing import Notice, RazorpayBilling, SignatureInvalid
from studyspot.services.subscription.client import (
    CREDITS_PURCHASED,
    CREDITS_SOLD,
    CreditOrder,
    CreditOrderRequest,
    CreditPaymentCheck,
    CreditsPurchased,
)
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.models import Invoice


async def order(billing: RazorpayBilling, request: CreditOrderRequest, script: str) -> CreditOrder:
    """A one-off order on StudySpot's Razorpay account; nothing is stored here (the message
    service keeps the purchase, and the order's notes name it)."""
    order_id = await billing.create_order(
        request.amount_paise,
        f"credits-{request.purchase_id.hex[:24]}",
        {
            "purpose": CREDITS_SOLD,
            "tenant_id": str(request.tenant_id),
            "purchase_id": str(request.purchase_id),
        },
    )
    return CreditOrder(
        provider_order_id=order_id,
        key_id=billing.config.razorpay_key_id,
        checkout_script_url=script,
    )


def is_credit_order(notice: Notice) -> bool:
    return bool(notice.order_notes and notice.order_notes.get("purpose") == CREDITS_SOLD)


async def paid_by_webhook(
    session: AsyncSession, notice: Notice, now: datetime, config: SubscriptionSettings
) -> str:
    """`order.paid` of a credit order: the order's signed notes name tenant and purchase,
    and the payment must be for the order's whole amount."""
    notes = notice.order_notes or {}
    try:
        tenant_id, purchase_id = uuid.UUID(notes["tenant_id"]), uuid.UUID(notes["purchase_id"])
    except (KeyError, ValueError):
        return "ignored"
    if not notice.order_id or not notice.payment_id or notice.amount_paise is None:
        return "ignored"
    if notice.amount_paise != notice.order_amount_paise:
        return "amount_mismatch"
    _, outcome = await captured(
        session,
        tenant_id,
        purchase_id,
        notice.order_id,
        notice.payment_id,
        notice.amount_paise,
        now,
        config,
    )
    return outcome


async def paid_by_checkout(
    core: Database, billing: RazorpayBilling, check: CreditPaymentCheck, now: datetime
) -> CreditsPurchased:
    """Checkout's signed answer: the signature proves Razorpay made it; the order fetched
    from Razorpay must be this tenant's purchase, and the payment captured for it in full
    (both asked between units of work)."""
    if not billing.checkout_signed(
        check.provider_order_id, check.provider_payment_id, check.signature
    ):
        raise SignatureInvalid()
    made = await billing.fetch_order(check.provider_order_id)
    found = made.get("notes")
    notes: dict[str, object] = found if isinstance(found, dict) else {}
    if (
        notes.get("purpose") != CREDITS_SOLD
        or notes.get("tenant_id") != str(check.tenant_id)
        or notes.get("purchase_id") != str(check.purchase_id)
    ):
        raise errors.ChangeNotAllowed("This order is not this tenant's credit purchase")
    payment = await billing.fetch_payment(check.provider_payment_id)
    amount = payment.get("amount")
    if (
        payment.get("order_id") != check.provider_order_id
        or payment.get("status") != "captured"
        or not isinstance(amount, int)
        or amount != made.get("amount")
    ):
        raise errors.PaymentNotCaptured()
    async with unit_of_work(core) as session:
        sale, _ = await captured(
            session,
            check.tenant_id,
            check.purchase_id,
            check.provider_order_id,
            check.provider_payment_id,
            amount,
            now,
            billing.config,
        )
    return sale


async def captured(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    purchase_id: uuid.UUID,
    order_id: str,
    payment_id: str,
    amount: int,
    now: datetime,
    config: SubscriptionSettings,
) -> tuple[CreditsPurchased, str]:
    """The sale once per payment: the tenant's subscription row is locked first (as every
    change of the tenant's billing does), so webhook and Checkout cannot both invoice."""
    sub = await service.get_subscription(
        session, tenant_id, now, lock=True, trial_days=config.trial_days
    )
    reference = f"razorpay:{payment_id}"
    invoice = await session.scalar(
        select(Invoice).where(
            Invoice.tenant_id == tenant_id,
            Invoice.plan_code == CREDITS_SOLD,
            Invoice.reference == reference,
        )
    )
    outcome = "duplicate"
    if invoice is None:
        outcome = "credits_purchased"
        invoice = await invoicing.issue(
            session, sub, amount, reference, config, now, plan_code=CREDITS_SOLD, period=(now, now)
        )
    sale = CreditsPurchased(
        purchase_id=purchase_id,
        provider_order_id=order_id,
        provider_payment_id=payment_id,
        amount_paise=invoice.total_paise,
        invoice_id=invoice.id,
        invoice_number=invoice.invoice_number,
    )
    if outcome != "duplicate":
        await service._changed(
            session, sub, CREDITS_PURCHASED, service.SYSTEM, sale.model_dump(mode="json")
        )
    return sale, outcome
