"""Paying the platform through Razorpay Subscriptions: checkout and the webhooks.

Checkout talks to Razorpay between two units of work, never inside one: the choice is
read, Razorpay makes (or reuses) the plan and the subscription, and the ids are stored.
A webhook is verified first (a forged one changes nothing: 400), then recorded under
its signed key in the same transaction as its effect, so a replay finds the key and
does nothing, and a charge is also unique by its Razorpay payment id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.scope import Actor
from studyspot.services.subscription import credit_sales, errors, invoicing, service
from studyspot.services.subscription.billing import Notice, RazorpayBilling, SignatureInvalid
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.models import (
    Charge,
    ProviderPlan,
    Subscription,
    UpgradeCharge,
    WebhookEvent,
)

PROVIDER = "razorpay"


@dataclass(frozen=True)
class Checkout:
    provider_subscription_id: str
    short_url: str | None
    key_id: str
    plan_code: str
    billing_cycle: str
    amount_paise: int


async def checkout(
    core: Database,
    billing: RazorpayBilling,
    tenant_id: uuid.UUID,
    actor: Actor,
    now: datetime,
) -> Checkout:
    async with unit_of_work(core) as session:
        sub = await service.get_subscription(
            session, tenant_id, now, trial_days=billing.config.trial_days
        )
        code = sub.pending_plan_code or sub.plan_code
        cycle = sub.pending_billing_cycle or sub.billing_cycle
        plan = await service.current_plan(session, code)
        if not plan.is_public or plan.price(cycle) == 0:
            raise errors.ChangeNotAllowed("Choose a paid plan first (POST /current/plan)")
        if sub.provider_subscription_id and sub.status == "active":
            raise errors.ChangeNotAllowed("This subscription already pays by autopay")
        known = await session.get(ProviderPlan, (plan.id, cycle))
        provider_plan_id = known.provider_plan_id if known else None
        plan_id, version, name, price = plan.id, plan.version, plan.name, plan.price(cycle)
        sub_id = sub.id
    if provider_plan_id is None:
        provider_plan_id = await billing.create_plan(code, version, name, cycle, price)
        async with unit_of_work(core) as session:
            try:
                async with session.begin_nested():
                    session.add(
                        ProviderPlan(
                            plan_id=plan_id,
                            billing_cycle=cycle,
                            provider_plan_id=provider_plan_id,
                            created_at=now,
                        )
                    )
            except IntegrityError:
                found = await session.get(ProviderPlan, (plan_id, cycle))
                assert found is not None
                provider_plan_id = found.provider_plan_id
    made = await billing.create_subscription(provider_plan_id, str(tenant_id), str(sub_id))
    async with unit_of_work(core) as session:
        sub = await service.get_subscription(
            session, tenant_id, now, lock=True, trial_days=billing.config.trial_days
        )
        sub.provider_subscription_id = str(made["id"])
        await service._changed(
            session,
            sub,
            "subscription.checkout_started",
            actor,
            {"provider_subscription_id": sub.provider_subscription_id, "amount_paise": price},
        )
    return Checkout(
        str(made["id"]), made.get("short_url"), billing.config.razorpay_key_id, code, cycle, price
    )


async def handle(
    session: AsyncSession, notice: Notice, now: datetime, config: SubscriptionSettings
) -> str:
    """Apply a verified webhook once; the outcome is what the ledger records."""
    if await session.get(WebhookEvent, notice.key) is not None:
        return "duplicate"
    outcome = await _apply(session, notice, now, config)
    try:
        async with session.begin_nested():
            session.add(
                WebhookEvent(
                    event_key=notice.key,
                    event=notice.event,
                    provider_subscription_id=notice.provider_subscription_id,
                    outcome=outcome,
                    received_at=now,
                )
            )
    except IntegrityError:
        raise errors.ChangeNotAllowed("This webhook is being handled already") from None
    return outcome


async def _apply(
    session: AsyncSession, notice: Notice, now: datetime, config: SubscriptionSettings
) -> str:
    if credit_sales.credit_paid_notice(notice):
        return await credit_sales.paid_by_webhook(session, notice, now, config)
    if notice.provider != "razorpay":
        return "ignored"  # the platform's Cashfree account sells credits only
    if notice.event == "order.paid" and notice.order_id and not notice.provider_subscription_id:
        return await _upgrade_paid(session, notice, now, config)
    if not notice.provider_subscription_id:
        return "ignored"
    sub = await session.scalar(
        select(Subscription)
        .where(Subscription.provider_subscription_id == notice.provider_subscription_id)
        .with_for_update()
    )
    if sub is None:
        return "unknown_subscription"
    system = service.SYSTEM
    if notice.event == "subscription.charged":
        return await _charged(session, sub, notice, now, config)
    if notice.event == "subscription.pending" and sub.status == "active":
        service._set_status(sub, "past_due", now)
        await service._changed(session, sub, "subscription.past_due", system, {"by": "razorpay"})
        return "past_due"
    if notice.event == "subscription.halted" and sub.status in ("active", "past_due"):
        # Razorpay gave up retrying: the last step of dunning before read-only.
        service._set_status(sub, "grace", now)
        await service._changed(session, sub, "subscription.grace", system, {"by": "razorpay"})
        return "grace"
    if notice.event == "subscription.cancelled" and sub.status == "active":
        sub.cancel_at_period_end = True
        await service._changed(session, sub, "subscription.cancel_scheduled", system)
        return "cancel_scheduled"
    return "noted"


async def _charged(
    session: AsyncSession,
    sub: Subscription,
    notice: Notice,
    now: datetime,
    config: SubscriptionSettings,
) -> str:
    if not notice.payment_id or notice.amount_paise is None:
        return "ignored"
    code = sub.pending_plan_code or sub.plan_code
    cycle = sub.pending_billing_cycle or sub.billing_cycle
    expected = (await service.current_plan(session, code)).price(cycle)
    if notice.amount_paise != expected:
        await service._changed(
            session,
            sub,
            "subscription.charge_mismatch",
            service.SYSTEM,
            {"amount_paise": notice.amount_paise, "expected_paise": expected},
        )
        return "amount_mismatch"
    # A renewal continues the period; a first or late payment starts one now.
    renews = sub.status == "active" and sub.current_period_end is not None
    start = sub.current_period_end if renews and sub.current_period_end else now
    try:
        async with session.begin_nested():
            charge = Charge(
                tenant_id=sub.tenant_id,
                subscription_id=sub.id,
                provider=PROVIDER,
                provider_payment_id=notice.payment_id,
                amount_paise=notice.amount_paise,
                plan_code=code,
                period_start=start,
                period_end=start,
                created_at=now,
            )
            session.add(charge)
    except IntegrityError:
        return "duplicate"
    await service.start_period(session, sub, start, now)
    assert sub.current_period_end is not None
    charge.period_end = sub.current_period_end
    invoice = await invoicing.issue(
        session, sub, notice.amount_paise, f"razorpay:{notice.payment_id}", config, now
    )
    await service._changed(
        session,
        sub,
        "subscription.charged",
        service.SYSTEM,
        {
            "amount_paise": notice.amount_paise,
            "provider_payment_id": notice.payment_id,
            "until": sub.current_period_end.isoformat(),
            "invoice_number": invoice.invoice_number,
        },
    )
    return "charged"


@dataclass(frozen=True)
class UpgradeOrder:
    provider_order_id: str
    key_id: str
    amount_paise: int
    to_plan: str
    expires_at: datetime | None


async def upgrade_checkout(
    core: Database,
    billing: RazorpayBilling,
    tenant_id: uuid.UUID,
    actor: Actor,
    now: datetime,
) -> UpgradeOrder:
    """A Razorpay one-off order for the upgrade's prorated amount still due, made once
    (asked again, the same order answers); Razorpay is called between units of work."""
    async with unit_of_work(core) as session:
        charge = await _due_upgrade(session, tenant_id, now)
        if charge.provider_order_id:
            return UpgradeOrder(
                charge.provider_order_id,
                billing.config.razorpay_key_id,
                charge.amount_paise,
                charge.to_plan,
                charge.expires_at,
            )
        charge_id, amount, to_plan = charge.id, charge.amount_paise, charge.to_plan
        expires_at = charge.expires_at
    order_id = await billing.create_order(
        amount,
        f"upgrade-{charge_id.hex[:24]}",
        {"tenant_id": str(tenant_id), "upgrade_charge_id": str(charge_id), "purpose": "upgrade"},
    )
    async with unit_of_work(core) as session:
        sub = await service.get_subscription(
            session, tenant_id, now, lock=True, trial_days=billing.config.trial_days
        )
        charge = await _due_upgrade(session, tenant_id, now, lock=True)
        if charge.id != charge_id or charge.provider_order_id:
            raise errors.ChangeNotAllowed("This upgrade is being paid already; ask again")
        charge.status, charge.provider_order_id = "ordered", order_id
        await service._changed(
            session,
            sub,
            "subscription.upgrade_ordered",
            actor,
            {"provider_order_id": order_id, "amount_paise": amount},
        )
    return UpgradeOrder(order_id, billing.config.razorpay_key_id, amount, to_plan, expires_at)


async def _due_upgrade(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime, *, lock: bool = False
) -> UpgradeCharge:
    query = (
        select(UpgradeCharge)
        .where(
            UpgradeCharge.tenant_id == tenant_id,
            UpgradeCharge.status.in_(("due", "ordered")),
            or_(UpgradeCharge.expires_at.is_(None), UpgradeCharge.expires_at > now),
        )
        .order_by(UpgradeCharge.created_at.desc())
        .limit(1)
    )
    found = await session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise errors.ChangeNotAllowed("No upgrade is waiting to be paid online")
    return found


async def upgrade_verified(
    core: Database,
    billing: RazorpayBilling,
    tenant_id: uuid.UUID,
    order_id: str,
    payment_id: str,
    signature: str,
    now: datetime,
) -> str:
    """Checkout's signed answer, so the upgrade applies as soon as the owner paid rather than
    when the webhook arrives: the signature proves Razorpay made it, and the payment,
    fetched from Razorpay between units of work, must be captured for this order."""
    if not billing.checkout_signed(order_id, payment_id, signature):
        raise SignatureInvalid()
    async with unit_of_work(core, read_only=True) as session:
        ours = await session.scalar(
            select(UpgradeCharge.id).where(
                UpgradeCharge.provider_order_id == order_id,
                UpgradeCharge.tenant_id == tenant_id,
            )
        )
    if ours is None:
        raise errors.ChangeNotAllowed("This order is not one of this tenant's upgrades")
    payment = await billing.fetch_payment(payment_id)
    amount = payment.get("amount")
    if payment.get("order_id") != order_id or payment.get("status") != "captured":
        raise errors.PaymentNotCaptured()
    if not isinstance(amount, int):
        raise errors.PaymentNotCaptured()
    async with unit_of_work(core) as session:
        return await upgrade_captured(session, order_id, payment_id, amount, now, billing.config)


async def _upgrade_paid(
    session: AsyncSession, notice: Notice, now: datetime, config: SubscriptionSettings
) -> str:
    """`order.paid` of an upgrade's order: exactly its amount, once per order and payment."""
    if notice.order_id is None or notice.payment_id is None or notice.amount_paise is None:
        return "ignored"
    return await upgrade_captured(
        session, notice.order_id, notice.payment_id, notice.amount_paise, now, config
    )


async def upgrade_captured(
    session: AsyncSession,
    order_id: str,
    payment_id: str,
    amount: int,
    now: datetime,
    config: SubscriptionSettings,
) -> str:
    """Razorpay captured the payment of an upgrade's order (told by the webhook or checked
    after Checkout's signed answer, whichever comes first; the other finds it settled).
    The plan bought applies with the platform GST invoice for the amount, in the same
    transaction; a payment for an upgrade that lapsed meanwhile is `refund_due`."""
    sub_id = await session.scalar(
        select(UpgradeCharge.subscription_id).where(UpgradeCharge.provider_order_id == order_id)
    )
    if sub_id is None:
        return "unknown_order"
    # The subscription's row first, then the charge (the lifecycle job's order).
    sub = await session.get(Subscription, sub_id, with_for_update=True)
    charge = await session.scalar(
        select(UpgradeCharge).where(UpgradeCharge.provider_order_id == order_id).with_for_update()
    )
    assert sub is not None and charge is not None
    if charge.provider_payment_id is not None:
        return "duplicate"
    if amount != charge.amount_paise:
        await service._changed(
            session,
            sub,
            "subscription.charge_mismatch",
            service.SYSTEM,
            {"amount_paise": amount, "expected_paise": charge.amount_paise},
        )
        return "amount_mismatch"
    outcome = await service.settle_upgrade(
        session, sub, charge, service.SYSTEM, now, payment_id=payment_id
    )
    if outcome != "upgrade_paid":
        return outcome
    invoice = await invoicing.issue(
        session, sub, charge.amount_paise, f"razorpay:{payment_id}", config, now
    )
    charge.invoice_id = invoice.id
    await session.flush()
    await service._changed(
        session,
        sub,
        "subscription.upgrade_paid",
        service.SYSTEM,
        {
            "amount_paise": charge.amount_paise,
            "provider_payment_id": payment_id,
            "invoice_number": invoice.invoice_number,
            "upgrade_charge_id": str(charge.id),
        },
    )
    return outcome
