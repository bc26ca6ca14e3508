"""Message credits sold by StudySpot to a tenant, through the platform's own merchant code.

The platform is the merchant, as for its plans: StudySpot's Razorpay or Cashfree account
makes the order (Razorpay's `notes` / Cashfree's `order_tags`: `purpose`
`message_credits`, the tenant and the message service's purchase), the payment is known
captured either by the browser's checkout ending (Razorpay: Checkout's signed answer,
checked against the payment fetched from Razorpay and the order's own notes; Cashfree:
the order and its payments asked of Cashfree) or by the provider's signed webhook
(Razorpay's `order.paid`, Cashfree's `PAYMENT_SUCCESS_WEBHOOK`), and the sale gets the
platform GST invoice (`invoicing.issue`, the same code as a plan's). Every path ends in
`captured`, one function for both providers: the invoice and `subscription.credits_purchased`
are written in one transaction under the tenant's subscription row lock, once per
provider payment: the second of webhook and checkout, and every replay, finds the invoice
and answers the same sale. The message service adds the credits to the wallet from the
event (or from the verification's answer), once per purchase.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.cashfree import to_paise
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.settings import Settings
from studyspot.services.subscription import errors, invoicing, service
from studyspot.services.subscription.billing import Notice, RazorpayBilling, SignatureInvalid
from studyspot.services.subscription.cashfree import PAYMENT_SUCCESS, CashfreeBilling
from studyspot.services.subscription.client import (
    CREDIT_PROVIDERS,
    CREDITS_PURCHASED,
    CREDITS_SOLD,
    CreditOrder,
    CreditOrderCheck,
    CreditOrderRequest,
    CreditPaymentCheck,
    CreditProvider,
    CreditsPurchased,
)
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.models import Invoice


def providers(razorpay: RazorpayBilling, cashfree: CashfreeBilling) -> list[CreditProvider]:
    """The platform's accounts credits can be paid through, the default first."""
    ready = {"razorpay": razorpay.configured, "cashfree": cashfree.configured}
    return [p for p in CREDIT_PROVIDERS if ready[p]]


def cashfree_order_id(purchase_id: uuid.UUID) -> str:
    return "cr_" + purchase_id.hex  # 35 characters of [a-z0-9_], within Cashfree's 45


def _notes(tenant_id: uuid.UUID, purchase_id: uuid.UUID) -> dict[str, str]:
    return {"purpose": CREDITS_SOLD, "tenant_id": str(tenant_id), "purchase_id": str(purchase_id)}


def _is_purchase(notes: object, tenant_id: uuid.UUID, purchase_id: uuid.UUID) -> bool:
    return isinstance(notes, dict) and all(
        notes.get(k) == v for k, v in _notes(tenant_id, purchase_id).items()
    )


async def order(
    razorpay: RazorpayBilling,
    cashfree: CashfreeBilling,
    request: CreditOrderRequest,
    settings: Settings,
) -> CreditOrder:
    """A one-off order on StudySpot's account with the chosen provider (by default the
    first configured); nothing is stored here (the message service keeps the purchase, and
    the order's notes or tags name it). 409 `credit_provider_not_configured` for a provider
    the platform has no account with; 503 `billing_not_configured` when it has none."""
    ready = providers(razorpay, cashfree)
    chosen = request.provider or (ready[0] if ready else "razorpay")
    if request.provider and chosen not in ready:
        raise errors.CreditProviderNotConfigured(chosen, list(ready))
    notes = _notes(request.tenant_id, request.purchase_id)
    if chosen == "cashfree":
        order_id = cashfree_order_id(request.purchase_id)
        session = await cashfree.create_order(
            order_id,
            request.amount_paise,
            f"tenant_{request.tenant_id.hex}",
            notes,
            "StudySpot message credits",
        )
        return CreditOrder(
            provider="cashfree",
            provider_order_id=order_id,
            checkout_script_url=settings.cashfree_checkout_url,
            payment_session_id=session,
            cashfree_mode=cashfree.config.cashfree_mode,
        )
    razorpay_order = await razorpay.create_order(
        request.amount_paise, f"credits-{request.purchase_id.hex[:24]}", notes
    )
    return CreditOrder(
        provider="razorpay",
        provider_order_id=razorpay_order,
        key_id=razorpay.config.razorpay_key_id,
        checkout_script_url=settings.razorpay_checkout_url,
    )


def is_credit_order(notice: Notice) -> bool:
    return bool(notice.order_notes and notice.order_notes.get("purpose") == CREDITS_SOLD)


def credit_paid_notice(notice: Notice) -> bool:
    """Razorpay's `order.paid` or Cashfree's `PAYMENT_SUCCESS_WEBHOOK` of a credit order."""
    paid_event = PAYMENT_SUCCESS if notice.provider == "cashfree" else "order.paid"
    return notice.event == paid_event and is_credit_order(notice)


async def paid_by_webhook(
    session: AsyncSession, notice: Notice, now: datetime, config: SubscriptionSettings
) -> str:
    """A credit order paid, by either provider's webhook: the order's signed notes (tags)
    name tenant and purchase, and the payment must be for the order's whole amount."""
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
        provider=notice.provider,
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
    if not _is_purchase(made.get("notes"), check.tenant_id, check.purchase_id):
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


async def paid_by_cashfree(
    core: Database, cashfree: CashfreeBilling, check: CreditOrderCheck, now: datetime
) -> CreditsPurchased:
    """A Cashfree checkout ended: its JS SDK hands the browser nothing signed, so the order
    is asked of Cashfree (its tags must name this tenant's purchase) with its payments, one
    of which must have succeeded for the order's whole amount (both asked between units of
    work); then the same sale as the webhook's."""
    made, payment = await cashfree.order_paid(check.provider_order_id)
    if not _is_purchase(made.get("order_tags"), check.tenant_id, check.purchase_id):
        raise errors.ChangeNotAllowed("This order is not this tenant's credit purchase")
    amount = to_paise(payment.get("payment_amount")) if payment else None
    if payment is None or amount is None or amount != to_paise(made.get("order_amount")):
        raise errors.PaymentNotCaptured("Cashfree")
    async with unit_of_work(core) as session:
        sale, _ = await captured(
            session,
            check.tenant_id,
            check.purchase_id,
            check.provider_order_id,
            str(payment.get("cf_payment_id")),
            amount,
            now,
            cashfree.config,
            provider="cashfree",
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
    *,
    provider: str = "razorpay",
) -> tuple[CreditsPurchased, str]:
    """The sale once per payment: the tenant's subscription row is locked first (as every
    change of the tenant's billing does), so webhook and checkout cannot both invoice.
    Both providers end here; the invoice's reference names the provider's payment."""
    sub = await service.get_subscription(
        session, tenant_id, now, lock=True, trial_days=config.trial_days
    )
    reference = f"{provider}:{payment_id}"
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
