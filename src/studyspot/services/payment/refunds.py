"""Refunds, full or partial, through the provider or at the desk; never more than captured.

The refund is reserved against the payment by one conditional UPDATE
(`refund_reserved_paise + amount <= amount_paise`) before the provider is
asked, so two concurrent refunds cannot together exceed the capture. The
provider is asked with our refund id as its idempotency key/receipt.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.services.payment import lifecycle
from studyspot.services.payment.access import Caller
from studyspot.services.payment.accounts import load_credentials
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.errors import InvalidState, RefundExceedsCaptured
from studyspot.services.payment.models import Refund
from studyspot.services.payment.payments import visible_payment
from studyspot.services.payment.repository import Payments
from studyspot.services.payment.schemas import RefundCreate


async def create_refund(
    session: AsyncSession,
    ctx: PaymentContext,
    caller: Caller,
    payment_id: uuid.UUID,
    body: RefundCreate,
) -> Refund:
    payment = await visible_payment(session, caller, payment_id, lock=True)
    if payment.status not in ("captured", "partially_refunded"):
        raise InvalidState(f"A {payment.status} payment cannot be refunded")
    left = payment.amount_paise - payment.refund_reserved_paise
    if not await Payments(session, caller.tenant_id).reserve_refund(payment.id, body.amount_paise):
        raise RefundExceedsCaptured(
            f"At most {left} paise of this payment can still be refunded",
            errors=[{"field": "body.amount_paise", "message": f"at most {left}"}],
        )
    await session.refresh(payment)
    refund = Refund(
        id=uuid.uuid4(),
        payment_id=payment.id,
        amount_paise=body.amount_paise,
        reason=body.reason,
        status="pending",
        created_by=caller.principal.user_id,
    )
    refund.tenant_id = caller.tenant_id
    session.add(refund)
    await session.flush()
    await record(
        session,
        "refund.created",
        "refund",
        refund.id,
        tenant_id=caller.tenant_id,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
        details={
            "payment_id": str(payment.id),
            "amount_paise": body.amount_paise,
            "reason": body.reason,
        },
    )
    provider = ctx.providers.named(payment.provider)
    credentials = (
        await load_credentials(session, ctx.box, caller.tenant_id, provider.name)
        if provider.needs_account and provider.name != "upi"
        else None
    )
    outcome = await provider.refund(
        credentials,
        provider_order_id=payment.provider_order_id,
        provider_payment_id=payment.provider_payment_id,
        refund_id=refund.id,
        amount_paise=body.amount_paise,
        reason=body.reason,
    )
    refund.provider_refund_id = outcome.provider_refund_id
    if outcome.status == "processed":
        await lifecycle.refund_processed(session, payment, refund, actor=caller.actor)
    elif outcome.status == "failed":
        await lifecycle.refund_failed(session, payment, refund, actor=caller.actor)
    await session.flush()
    return refund
