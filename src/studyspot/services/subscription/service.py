"""The rules of plans and subscriptions. Takes the session, never commits.

Every change of a subscription is one function here: check, change (conditional where
a race matters), an audit row and a `subscription.*` event in the same transaction.
The event is what tells every process's entitlement cache to forget the tenant
(kit/entitlements.py).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Uuid, bindparam, column, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.entitlements import TRIAL_DAYS, TRIAL_PLAN
from studyspot.kit.models import UTCDateTime
from studyspot.kit.outbox import publish
from studyspot.kit.scope import Actor
from studyspot.services.subscription import errors, invoicing
from studyspot.services.subscription.catalog import DEFAULT_PLANS, FREE_PLAN
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.events import SubscriptionChanged
from studyspot.services.subscription.invoicing import INDIA
from studyspot.services.subscription.models import (
    Invoice,
    MrrMovement,
    Plan,
    Subscription,
    UpgradeCharge,
)
from studyspot.services.subscription.periods import (
    MONTHS,
    Proration,
    period_end,
    prorate,
    prorated_as_of,
)
from studyspot.services.subscription.schemas import RECEIVED_DAYS_BACK, PlanCreate, PlanUpdate

_LIMIT_FIELDS = (
    "max_libraries",
    "max_seats",
    "max_students",
    "max_staff",
    "monthly_message_credits",
    "overage_percent",
    "features",
)
LAPSED = ("trial", "read_only", "suspended", "cancelled", "past_due", "grace")


SYSTEM = Actor.system()


# --- plans -----------------------------------------------------------------------------


async def ensure_catalog(session: AsyncSession, now: datetime) -> None:
    """Seed each default plan (version 1) the catalogue has never had; safe to race."""
    codes = [seed.code for seed in DEFAULT_PLANS]
    known = set((await session.scalars(select(Plan.code).where(Plan.code.in_(codes)))).all())
    for seed in DEFAULT_PLANS:
        if seed.code in known:
            continue
        try:
            async with session.begin_nested():
                session.add(
                    Plan(
                        code=seed.code,
                        version=1,
                        name=seed.name,
                        description=seed.description,
                        is_current=True,
                        is_public=seed.is_public,
                        monthly_price_paise=seed.monthly,
                        quarterly_price_paise=seed.quarterly,
                        half_yearly_price_paise=seed.half_yearly,
                        annual_price_paise=seed.annual,
                        max_libraries=seed.max_libraries,
                        max_seats=seed.max_seats,
                        max_students=seed.max_students,
                        max_staff=seed.max_staff,
                        monthly_message_credits=seed.monthly_message_credits,
                        overage_percent=seed.overage_percent,
                        features=list(seed.features),
                        created_at=now,
                    )
                )
        except IntegrityError:
            continue  # another instance seeded it first


async def current_plan(session: AsyncSession, code: str) -> Plan:
    plan = await session.scalar(select(Plan).where(Plan.code == code, Plan.is_current))
    if plan is None:
        raise errors.PlanNotFound()
    return plan


async def list_plans(session: AsyncSession, *, include_hidden: bool) -> list[Plan]:
    query = select(Plan).where(Plan.is_current)
    if not include_hidden:
        query = query.where(Plan.is_public)
    return list((await session.scalars(query.order_by(Plan.monthly_price_paise, Plan.code))).all())


async def plan_versions(session: AsyncSession, code: str) -> list[Plan]:
    found = (
        await session.scalars(select(Plan).where(Plan.code == code).order_by(Plan.version))
    ).all()
    if not found:
        raise errors.PlanNotFound()
    return list(found)


async def create_plan(session: AsyncSession, body: PlanCreate, actor: Actor, now: datetime) -> Plan:
    await ensure_catalog(session, now)
    if await session.scalar(select(Plan.id).where(Plan.code == body.code).limit(1)):
        raise errors.PlanCodeTaken()
    plan = Plan(**body.model_dump(), version=1, is_current=True, created_at=now)
    plan.created_by = actor.id
    try:
        async with session.begin_nested():
            session.add(plan)
    except IntegrityError:
        raise errors.PlanCodeTaken() from None
    await _plan_changed(session, plan, actor, "subscription.plan_created")
    return plan


async def revise_plan(
    session: AsyncSession, code: str, body: PlanUpdate, actor: Actor, now: datetime
) -> tuple[Plan, int]:
    """A new current version of the plan; returns it and how many subscriptions stay on
    an older version until their renewal."""
    old = await session.scalar(
        select(Plan).where(Plan.code == code, Plan.is_current).with_for_update()
    )
    if old is None:
        raise errors.PlanNotFound()
    values = {c: getattr(old, c) for c in PlanCreate.model_fields if c != "code"}
    values.update(body.model_dump(exclude_unset=True))
    won = await session.execute(
        update(Plan).where(Plan.id == old.id, Plan.is_current).values(is_current=False)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        raise errors.ChangeNotAllowed("The plan changed meanwhile; try again")
    plan = Plan(code=code, version=old.version + 1, is_current=True, created_at=now, **values)
    plan.created_by = actor.id
    session.add(plan)
    await session.flush()
    older = await session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(Subscription.plan_code == code, Subscription.plan_version < plan.version)
    )
    await _plan_changed(session, plan, actor, "subscription.plan_revised")
    return plan, int(older or 0)


async def _plan_changed(session: AsyncSession, plan: Plan, actor: Actor, topic: str) -> None:
    details = {"code": plan.code, "version": plan.version}
    await record(
        session, topic, "plan", plan.id, actor_id=actor.id, actor_type=actor.type, details=details
    )
    # No tenant: every process drops its cached upgrade offers.
    await publish(session, topic, details)


# --- opening subscriptions ------------------------------------------------------------

# Tenants with no subscription yet (signed up moments ago). The tenant row holds no plan
# (migration core_tenant_0002): every new tenant starts on the trial plan, for
# `SUBSCRIPTION_TRIAL_DAYS` from its creation, which is what the entitlement check answers
# until then.
_UNOPENED = text(
    "SELECT t.id, t.created_at FROM tenants t "
    "LEFT JOIN subscriptions s ON s.tenant_id = t.id WHERE s.id IS NULL AND "
    "(:tid IS NULL OR t.id = :tid) ORDER BY t.created_at LIMIT :n"
).bindparams(bindparam("tid", type_=Uuid()))
_UNOPENED_QUERY = _UNOPENED.columns(column("id", Uuid()), column("created_at", UTCDateTime()))


async def open_missing(
    session: AsyncSession,
    now: datetime,
    *,
    tenant_id: uuid.UUID | None = None,
    limit: int = 500,
    trial_days: int = TRIAL_DAYS,
) -> int:
    await ensure_catalog(session, now)
    rows = (await session.execute(_UNOPENED_QUERY, {"tid": tenant_id, "n": limit})).all()
    if not rows:
        return 0
    plan = await current_plan(session, TRIAL_PLAN)
    opened = 0
    for row in rows:
        began = row.created_at or now
        sub = Subscription(
            tenant_id=row.id,
            plan_code=plan.code,
            plan_version=plan.version,
            billing_cycle="monthly",
            price_paise=plan.monthly_price_paise,
            status="trial",
            trial_ends_at=began + timedelta(days=trial_days),
            trial_used=True,
            trial_reminders_sent=0,
            status_since=began,
            cancel_at_period_end=False,
            max_libraries=plan.max_libraries,
            max_seats=plan.max_seats,
            max_students=plan.max_students,
            max_staff=plan.max_staff,
            monthly_message_credits=plan.monthly_message_credits,
            overage_percent=0,
            features=list(plan.features),
            created_at=now,
            updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(sub)
        except IntegrityError:
            continue  # opened by another instance meanwhile
        opened += 1
        await _changed(session, sub, "subscription.opened", SYSTEM, {"plan_code": sub.plan_code})
    return opened


async def get_subscription(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    now: datetime,
    *,
    lock: bool = False,
    trial_days: int = TRIAL_DAYS,
) -> Subscription:
    """The tenant's subscription, opened first (a trial of `trial_days`) if it has none yet."""
    query = select(Subscription).where(Subscription.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    sub = await session.scalar(query)
    if sub is None:
        await open_missing(session, now, tenant_id=tenant_id, limit=1, trial_days=trial_days)
        sub = await session.scalar(query)
    if sub is None:
        raise errors.SubscriptionNotFound()
    return sub


# --- amounts ------------------------------------------------------------------------


async def amount_due(session: AsyncSession, sub: Subscription) -> int:
    """What a payment now must be: the chosen (or current) plan's price for a cycle when
    the subscription is not running on a paid period, else nothing."""
    if sub.status == "active" and not sub.pending_plan_code:
        return 0
    if sub.status == "active":
        return 0  # a scheduled downgrade is paid at renewal
    code = sub.pending_plan_code or sub.plan_code
    cycle = sub.pending_billing_cycle or sub.billing_cycle
    if code == TRIAL_PLAN:
        return 0
    try:
        plan = await current_plan(session, code)
    except errors.PlanNotFound:
        return 0
    return plan.price(cycle)


# --- changes --------------------------------------------------------------------------


def _apply_plan(sub: Subscription, plan: Plan, cycle: str) -> None:
    sub.plan_code = plan.code
    sub.plan_version = plan.version
    sub.billing_cycle = cycle
    sub.price_paise = plan.price(cycle)
    for name in _LIMIT_FIELDS:
        setattr(sub, name, getattr(plan, name))
    sub.features = list(plan.features)


def _set_status(sub: Subscription, status: str, now: datetime) -> None:
    sub.status = status
    sub.status_since = now
    sub.updated_at = now


async def _changed(
    session: AsyncSession,
    sub: Subscription,
    topic: str,
    actor: Actor,
    details: dict[str, Any] | None = None,
) -> None:
    payload = {**state_of(sub), **(details or {})}
    await record(
        session,
        topic,
        "subscription",
        sub.id,
        tenant_id=sub.tenant_id,
        actor_id=actor.id,
        actor_type=actor.type,
        details=payload,
    )
    await publish(session, topic, payload, tenant_id=sub.tenant_id)
    await _track_mrr(session, sub)


RESTATED = "subscription.restated"


def state_of(sub: Subscription) -> dict[str, Any]:
    """The subscription as its events carry it (`events.SubscriptionChanged`), as JSON."""
    return SubscriptionChanged(
        subscription_id=sub.id,
        tenant_id=sub.tenant_id,
        status=sub.status,
        plan_code=sub.plan_code,
        billing_cycle=sub.billing_cycle,
        price_paise=sub.price_paise,
        mrr_paise=mrr_of(sub),
    ).model_dump(mode="json")


async def restate_all(core: Database) -> int:
    """Publish every subscription as it stands (`subscription.restated`), for consumers that
    began after it last changed (analytics' MRR). The payload is the whole state, so an
    unchanged subscription changes no figure; no audit row (nothing changed)."""
    async with unit_of_work(core) as session:
        subs = list(await session.scalars(select(Subscription).order_by(Subscription.id)))
        for sub in subs:
            await publish(session, RESTATED, state_of(sub), tenant_id=sub.tenant_id)
    return len(subs)


# Statuses whose price still counts as recurring revenue (dunning has not given up yet).
_EARNING = ("active", "past_due", "grace")


def mrr_of(sub: Subscription) -> int:
    """The subscription's monthly recurring revenue: its price over its cycle's months."""
    if sub.status not in _EARNING or sub.current_period_end is None:
        return 0
    return sub.price_paise // MONTHS[sub.billing_cycle]


async def _track_mrr(session: AsyncSession, sub: Subscription) -> None:
    """A movement row whenever the tenant's MRR changed: new (its first paid period),
    reactivation (paying again after churn), expansion, contraction or churn."""
    before, after = sub.mrr_paise or 0, mrr_of(sub)
    if before == after:
        return
    if before == 0:
        paid_before = await session.scalar(
            select(MrrMovement.id).where(MrrMovement.tenant_id == sub.tenant_id).limit(1)
        )
        kind = "reactivation" if paid_before else "new"
    elif after == 0:
        kind = "churn"
    else:
        kind = "expansion" if after > before else "contraction"
    at = sub.updated_at or sub.status_since
    session.add(
        MrrMovement(
            tenant_id=sub.tenant_id,
            month=at.astimezone(INDIA).strftime("%Y-%m"),
            kind=kind,
            delta_paise=after - before,
            mrr_after_paise=after,
            at=at,
        )
    )
    sub.mrr_paise = after


async def override_limits(
    session: AsyncSession, sub: Subscription, changes: dict[str, Any], actor: Actor
) -> Subscription:
    """Platform admins: this tenant's limits, until its next renewal or plan change."""
    before = {name: getattr(sub, name) for name in changes}
    for name, value in changes.items():
        setattr(sub, name, value)
    await _changed(
        session, sub, "subscription.limits_overridden", actor, {"from": before, "to": changes}
    )
    return sub


async def choose_plan(
    session: AsyncSession, sub: Subscription, code: str, cycle: str, actor: Actor
) -> Subscription:
    """On trial or lapsed: the plan (and cycle) the next payment starts."""
    if sub.status == "active":
        raise errors.ChangeNotAllowed(
            "A running subscription changes plan by upgrade (now) or downgrade (at period end)"
        )
    plan = await current_plan(session, code)
    if not plan.is_public:
        raise errors.PlanNotFound()
    sub.pending_plan_code, sub.pending_billing_cycle = plan.code, cycle
    await _changed(session, sub, "subscription.plan_chosen", actor, {"to": code, "cycle": cycle})
    return sub


async def quote_upgrade(
    session: AsyncSession, sub: Subscription, code: str, now: datetime
) -> tuple[Plan, Proration]:
    if sub.status != "active" or sub.current_period_start is None or sub.current_period_end is None:
        raise errors.ChangeNotAllowed(
            "Only a paid, running subscription is upgraded with proration; "
            "choose a plan and pay instead"
        )
    plan = await current_plan(session, code)
    new_price = plan.price(sub.billing_cycle)
    if not plan.is_public or plan.code == sub.plan_code or new_price <= sub.price_paise:
        raise errors.ChangeNotAllowed(
            "An upgrade is to a dearer plan; a cheaper one is a downgrade at period end"
        )
    return plan, prorate(
        sub.price_paise, new_price, sub.current_period_start, sub.current_period_end, now
    )


async def upgrade(
    session: AsyncSession,
    sub: Subscription,
    code: str,
    expected: int,
    actor: Actor,
    now: datetime,
    config: SubscriptionSettings,
    quoted_at: datetime | None = None,
) -> Proration:
    """Confirm an upgrade at the quoted amount. The plan applies once that amount is paid
    (at once when nothing is due); until then the tenant keeps what it has."""
    plan, quote = await quote_upgrade(session, sub, code, prorated_as_of(quoted_at, now))
    if quote.amount_due_paise != expected:
        raise errors.QuoteChanged(quote.amount_due_paise)
    # One upgrade waits at a time: a newer choice replaces an older unpaid one.
    await close_open_upgrades(session, sub, "superseded", actor, now, config)
    if quote.amount_due_paise == 0:
        await _apply_upgrade(session, sub, plan, actor, now, {"amount_due_paise": 0})
    else:
        await _charge_upgrade(session, sub, plan, quote, actor, now, config)
    return quote


def pays_by_invoice(sub: Subscription) -> bool:
    """Enterprise (`manual_invoicing`) and tenants without autopay are invoiced by hand."""
    return "manual_invoicing" in (sub.features or []) or not sub.provider_subscription_id


UPGRADE_OPEN = ("due", "ordered", "invoiced")


async def _charge_upgrade(
    session: AsyncSession,
    sub: Subscription,
    plan: Plan,
    quote: Proration,
    actor: Actor,
    now: datetime,
    config: SubscriptionSettings,
) -> None:
    """The prorated amount, charged apart from the recurring price: an unpaid platform
    invoice at once for a tenant paying by invoice (payable until the period ends), else
    `due` until the owner pays its Razorpay order within the checkout window
    (`POST /current/upgrade/checkout`, then `order.paid` or Checkout's signed answer)."""
    by_invoice = pays_by_invoice(sub)
    window = timedelta(minutes=config.upgrade_checkout_minutes)
    charge = UpgradeCharge(
        tenant_id=sub.tenant_id,
        subscription_id=sub.id,
        from_plan=sub.plan_code,
        to_plan=plan.code,
        to_plan_version=plan.version,
        amount_paise=quote.amount_due_paise,
        status="due",
        created_at=now,
        expires_at=sub.current_period_end if by_invoice else now + window,
    )
    session.add(charge)
    await session.flush()
    details: dict[str, Any] = {
        "to": plan.code,
        "credit_paise": quote.credit_paise,
        "charge_paise": quote.charge_paise,
        "amount_paise": quote.amount_due_paise,
        "upgrade_charge_id": str(charge.id),
        "expires_at": _iso(charge.expires_at),
    }
    if not by_invoice:
        await _changed(session, sub, "subscription.upgrade_pending", actor, details)
        return
    invoice = await invoicing.issue(
        session,
        sub,
        charge.amount_paise,
        f"upgrade:{charge.id}",
        config,
        now,
        plan_code=plan.code,
        paid=False,
    )
    charge.status, charge.invoice_id = "invoiced", invoice.id
    details["invoice_number"] = invoice.invoice_number
    await _changed(session, sub, "subscription.upgrade_invoiced", actor, details)


async def _apply_upgrade(
    session: AsyncSession,
    sub: Subscription,
    plan: Plan,
    actor: Actor,
    now: datetime,
    details: dict[str, Any],
) -> None:
    old = sub.plan_code
    _apply_plan(sub, plan, sub.billing_cycle)
    sub.pending_plan_code = sub.pending_billing_cycle = None
    sub.updated_at = now
    await _changed(
        session, sub, "subscription.upgraded", actor, {"from": old, "to": plan.code, **details}
    )


async def pending_upgrade(session: AsyncSession, sub: Subscription) -> UpgradeCharge | None:
    """The newest upgrade still waiting for its payment (none once it lapsed)."""
    found: UpgradeCharge | None = await session.scalar(
        select(UpgradeCharge)
        .where(
            UpgradeCharge.subscription_id == sub.id,
            UpgradeCharge.status.in_(UPGRADE_OPEN),
            UpgradeCharge.to_plan_version.is_not(None),
        )
        .order_by(UpgradeCharge.created_at.desc())
        .limit(1)
    )
    return found


async def close_open_upgrades(
    session: AsyncSession,
    sub: Subscription,
    outcome: str,
    actor: Actor,
    now: datetime,
    config: SubscriptionSettings,
    *,
    expired_only: bool = False,
) -> int:
    """Unpaid upgrades end `lapsed` (their window passed) or `superseded`: the plan never
    changed, so nothing reverts; an unpaid invoice for one becomes void, with a GST credit
    note for all of it."""
    query = select(UpgradeCharge).where(
        UpgradeCharge.subscription_id == sub.id,
        UpgradeCharge.status.in_(UPGRADE_OPEN),
        UpgradeCharge.to_plan_version.is_not(None),
    )
    if expired_only:
        query = query.where(UpgradeCharge.expires_at <= now)
    closed = 0
    for charge in (await session.scalars(query.with_for_update())).all():
        charge.status = outcome
        details: dict[str, Any] = {
            "to": charge.to_plan,
            "amount_paise": charge.amount_paise,
            "upgrade_charge_id": str(charge.id),
        }
        if charge.invoice_id is not None:
            invoice = await session.get(Invoice, charge.invoice_id, with_for_update=True)
            if invoice is not None and invoice.status == "unpaid":
                # The invoice keeps its number (gapless); a credit note reverses its tax.
                invoice.status = "void"
                note = await invoicing.credit(
                    session, invoice, f"Upgrade to {charge.to_plan} {outcome}, unpaid", config, now
                )
                details["invoice_number"] = invoice.invoice_number
                details["credit_note_number"] = note.credit_note_number
        await _changed(session, sub, f"subscription.upgrade_{outcome}", actor, details)
        closed += 1
    return closed


def _upgrade_still_fits(sub: Subscription, charge: UpgradeCharge, now: datetime) -> bool:
    """The proration was for this plan and period: it holds while the subscription runs on
    the plan the upgrade was from, inside the charge's window."""
    return (
        sub.status == "active"
        and sub.plan_code == charge.from_plan
        and sub.current_period_end is not None
        and now < sub.current_period_end
        and (charge.expires_at is None or now < charge.expires_at)
    )


async def settle_upgrade(
    session: AsyncSession,
    sub: Subscription,
    charge: UpgradeCharge,
    actor: Actor,
    now: datetime,
    *,
    payment_id: str | None = None,
) -> str:
    """The upgrade's amount was received: the plan bought applies now. A payment for an
    upgrade no longer open (lapsed, superseded, or the subscription moved on) changes no
    plan and is `refund_due`, recorded for the platform to refund."""
    if payment_id is not None:
        charge.provider_payment_id = payment_id
    charge.paid_at = now
    open_ = charge.status in UPGRADE_OPEN
    if charge.to_plan_version is None:  # made before payment decided upgrades: applied
        charge.status = "paid"
        return "upgrade_paid"
    plan = await session.scalar(
        select(Plan).where(Plan.code == charge.to_plan, Plan.version == charge.to_plan_version)
    )
    if not open_ or plan is None or not _upgrade_still_fits(sub, charge, now):
        charge.status = "refund_due"
        await _changed(
            session,
            sub,
            "subscription.upgrade_refund_due",
            actor,
            {
                "to": charge.to_plan,
                "amount_paise": charge.amount_paise,
                "upgrade_charge_id": str(charge.id),
                "provider_payment_id": charge.provider_payment_id,
            },
        )
        return "refund_due"
    charge.status = "paid"
    await _apply_upgrade(
        session,
        sub,
        plan,
        actor,
        now,
        {"amount_due_paise": charge.amount_paise, "upgrade_charge_id": str(charge.id)},
    )
    return "upgrade_paid"


def received_date(received_on: date | None, now: datetime, not_before: date | None = None) -> date:
    """The day a payment recorded by hand arrived (India): today unless given; never in
    the future, at most RECEIVED_DAYS_BACK days back, never before `not_before`."""
    today = now.astimezone(INDIA).date()
    if received_on is None:
        return today
    if received_on > today:
        raise errors.ReceivedOnInvalid(f"may not be after today ({today.isoformat()}, India)")
    earliest = max(today - timedelta(days=RECEIVED_DAYS_BACK), not_before or date.min)
    if received_on < earliest:
        raise errors.ReceivedOnInvalid(
            f"may not be before {earliest.isoformat()} (the invoice's date, or "
            f"{RECEIVED_DAYS_BACK} days back)"
        )
    return received_on


async def pay_invoice(
    session: AsyncSession,
    invoice_id: uuid.UUID,
    tenant_id: uuid.UUID,
    amount: int,
    reference: str,
    actor: Actor,
    now: datetime,
    received_on: date | None = None,
) -> Invoice:
    """Platform admins: the payment of an unpaid invoice (an upgrade of a tenant paying by
    invoice), exactly its total; what it bought applies at once. Recording the same payment
    again (same reference and amount) changes nothing."""
    found = await session.scalar(
        select(Invoice.subscription_id).where(
            Invoice.id == invoice_id, Invoice.tenant_id == tenant_id
        )
    )
    if found is None:
        raise errors.InvoiceNotFound()
    # The subscription's row first, then its charge and invoice: the order the lifecycle
    # job and the upgrade take them in, so none of them waits on another in a circle.
    sub = await session.scalar(
        select(Subscription).where(Subscription.id == found).with_for_update()
    )
    invoice = await session.scalar(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update()
    )
    assert sub is not None and invoice is not None
    if invoice.status == "paid":
        if invoice.payment_reference == reference[:100] and invoice.total_paise == amount:
            return invoice
        raise errors.InvoiceNotPayable("This invoice is paid already", code="invoice_already_paid")
    if invoice.status == "void":
        raise errors.InvoiceNotPayable(
            "This invoice is void: its upgrade lapsed", code="invoice_void"
        )
    if amount != invoice.total_paise:
        raise errors.WrongAmount(
            f"The invoice's total is {invoice.total_paise} paise",
            errors=[{"field": "body.amount_paise", "message": f"must be {invoice.total_paise}"}],
        )
    charge = await session.scalar(
        select(UpgradeCharge).where(UpgradeCharge.invoice_id == invoice.id).with_for_update()
    )
    decided = charge is not None and charge.to_plan_version is not None
    if charge is not None and decided and not _upgrade_still_fits(sub, charge, now):
        # Its window passed before the lifecycle job noticed: it lapses now, not pays.
        raise errors.InvoiceNotPayable(
            "This invoice is void: its upgrade lapsed", code="invoice_void"
        )
    arrived = received_date(received_on, now, invoice.issued_at.astimezone(INDIA).date())
    invoice.status, invoice.paid_at, invoice.payment_reference = "paid", now, reference[:100]
    invoice.payment_received_on = arrived
    await _changed(
        session,
        sub,
        "subscription.invoice_paid",
        actor,
        {
            "invoice_number": invoice.invoice_number,
            "amount_paise": amount,
            "reference": reference[:100],
            "received_on": arrived.isoformat(),
        },
    )
    if charge is not None:
        await settle_upgrade(session, sub, charge, actor, now)
    return invoice


async def downgrade(
    session: AsyncSession, sub: Subscription, code: str, cycle: str | None, actor: Actor
) -> Subscription:
    if sub.status != "active":
        raise errors.ChangeNotAllowed("Only a running subscription is downgraded")
    plan = await current_plan(session, code)
    if not plan.is_public or plan.code == sub.plan_code:
        raise errors.ChangeNotAllowed("Choose another public plan")
    sub.pending_plan_code = plan.code
    sub.pending_billing_cycle = cycle or sub.billing_cycle
    await _changed(
        session,
        sub,
        "subscription.downgrade_scheduled",
        actor,
        {"to": plan.code, "at": _iso(sub.current_period_end)},
    )
    return sub


async def cancel(session: AsyncSession, sub: Subscription, actor: Actor) -> Subscription:
    """At the end of the period the tenant moves to the Free plan (nothing is deleted)."""
    if sub.status != "active" or sub.plan_code == FREE_PLAN:
        raise errors.ChangeNotAllowed("Only a running paid subscription is cancelled")
    sub.cancel_at_period_end = True
    await _changed(
        session, sub, "subscription.cancel_scheduled", actor, {"at": _iso(sub.current_period_end)}
    )
    return sub


async def reactivate(session: AsyncSession, sub: Subscription, actor: Actor) -> Subscription:
    """Undo a scheduled cancellation or downgrade."""
    if not (sub.cancel_at_period_end or (sub.status == "active" and sub.pending_plan_code)):
        raise errors.ChangeNotAllowed("Nothing is scheduled to undo; a lapsed tenant pays")
    sub.cancel_at_period_end = False
    sub.pending_plan_code = sub.pending_billing_cycle = None
    await _changed(session, sub, "subscription.reactivated", actor)
    return sub


async def record_payment(
    session: AsyncSession,
    sub: Subscription,
    amount: int,
    reference: str,
    actor: Actor,
    now: datetime,
    config: SubscriptionSettings,
    received_on: date | None = None,
) -> Subscription:
    """A payment of exactly what is due starts a paid period at once (from now, whatever
    day the money arrived: the tenant has what it paid for from the moment it is known)."""
    due = await amount_due(session, sub)
    if due == 0 or amount != due:
        raise errors.WrongAmount(
            f"The amount due is {due} paise",
            errors=[{"field": "body.amount_paise", "message": f"must be {due}"}],
        )
    arrived = received_date(received_on, now)
    await start_period(session, sub, now, now)
    invoice = await invoicing.issue(
        session, sub, amount, reference, config, now, received_on=arrived
    )
    await _changed(
        session,
        sub,
        "subscription.activated",
        actor,
        {
            "amount_paise": amount,
            "reference": reference,
            "received_on": arrived.isoformat(),
            "until": _iso(sub.current_period_end),
            "invoice_number": invoice.invoice_number,
        },
    )
    return sub


async def start_period(
    session: AsyncSession, sub: Subscription, start: datetime, now: datetime
) -> None:
    """A paid period from `start` on the chosen (or current) plan's current version."""
    code = sub.pending_plan_code or sub.plan_code
    cycle = sub.pending_billing_cycle or sub.billing_cycle
    _apply_plan(sub, await current_plan(session, code), cycle)
    sub.pending_plan_code = sub.pending_billing_cycle = None
    sub.cancel_at_period_end = False
    sub.current_period_start = start
    sub.current_period_end = period_end(start, cycle)
    sub.dunning_notices_sent = 0
    if sub.status == "trial":
        sub.trial_ends_at = now
    _set_status(sub, "active", now)


# --- the lifecycle -------------------------------------------------------------------


async def advance(
    session: AsyncSession, sub: Subscription, now: datetime, config: SubscriptionSettings
) -> str | None:
    """Move one subscription on as far as `now` says; the topic of the last step, if any."""
    moved: str | None = None
    if await close_open_upgrades(session, sub, "lapsed", SYSTEM, now, config, expired_only=True):
        moved = "subscription.upgrade_lapsed"
    for _ in range(6):
        step = await _step(session, sub, now, config)
        if step is None:
            return moved
        moved = step
    return moved


async def _step(
    session: AsyncSession, sub: Subscription, now: datetime, config: SubscriptionSettings
) -> str | None:
    since = sub.status_since
    if sub.status == "trial" and sub.trial_ends_at is not None:
        if now >= sub.trial_ends_at:
            _set_status(sub, "read_only", sub.trial_ends_at)
            await _changed(session, sub, "subscription.trial_ended", SYSTEM)
            return "subscription.trial_ended"
        left = sub.trial_ends_at - now
        for days in sorted(config.trial_reminder_days):
            bit = 1 << days
            if left <= timedelta(days=days) and not sub.trial_reminders_sent & bit:
                # The closest reminder wins; the farther ones are then moot.
                for other in config.trial_reminder_days:
                    if other >= days:
                        sub.trial_reminders_sent |= 1 << other
                await _changed(
                    session,
                    sub,
                    "subscription.trial_ending",
                    SYSTEM,
                    {"days_left": days, "trial_ends_at": _iso(sub.trial_ends_at)},
                )
                return None
        return None
    await _notices(session, sub, now, config)
    if sub.status == "active" and sub.current_period_end and now >= sub.current_period_end:
        return await _period_ended(session, sub, config)
    steps = {
        "past_due": (config.past_due_days, "grace"),
        "grace": (config.grace_days, "read_only"),
        "read_only": (config.read_only_days, "suspended"),
    }
    if sub.status in steps:
        days, target = steps[sub.status]
        at = since + timedelta(days=days)
        if now >= at:
            _set_status(sub, target, at)
            topic = f"subscription.{target}"
            await _changed(session, sub, topic, SYSTEM)
            return topic
    return None


PRE_DEBIT_BIT = 1


async def _notices(
    session: AsyncSession, sub: Subscription, now: datetime, config: SubscriptionSettings
) -> None:
    """The pre-debit notice 24 h before an autopay charge (e-mandate rules), and dunning
    notices D+1, D+3, D+7 after an unpaid renewal; each once, as events the message
    service turns into messages."""
    end = sub.current_period_end
    if (
        sub.status == "active"
        and sub.provider_subscription_id
        and end is not None
        and end - timedelta(hours=24) <= now < end
        and not sub.dunning_notices_sent & PRE_DEBIT_BIT
    ):
        sub.dunning_notices_sent |= PRE_DEBIT_BIT
        await _changed(
            session,
            sub,
            "subscription.pre_debit_notice",
            SYSTEM,
            {"charge_at": _iso(end), "amount_paise": sub.price_paise},
        )
    if sub.status not in ("past_due", "grace"):
        return
    due = sub.status_since
    if sub.status == "grace":
        due -= timedelta(days=config.past_due_days)
    for day in sorted(config.dunning_notice_days):
        bit = 1 << day
        if now >= due + timedelta(days=day) and not sub.dunning_notices_sent & bit:
            sub.dunning_notices_sent |= bit
            await _changed(
                session,
                sub,
                "subscription.dunning_notice",
                SYSTEM,
                {"day": day, "due_since": _iso(due), "amount_paise": sub.price_paise},
            )


async def _period_ended(
    session: AsyncSession, sub: Subscription, config: SubscriptionSettings
) -> str:
    end = sub.current_period_end
    assert end is not None
    if sub.cancel_at_period_end:
        _apply_plan(sub, await current_plan(session, FREE_PLAN), "monthly")
        sub.cancel_at_period_end = False
        sub.pending_plan_code = sub.pending_billing_cycle = None
        sub.current_period_start = sub.current_period_end = None
        _set_status(sub, "active", end)
        await _changed(session, sub, "subscription.cancelled", SYSTEM, {"now_on": FREE_PLAN})
        return "subscription.cancelled"
    if sub.pending_plan_code:
        plan = await current_plan(session, sub.pending_plan_code)
        _apply_plan(sub, plan, sub.pending_billing_cycle or sub.billing_cycle)
        sub.pending_plan_code = sub.pending_billing_cycle = None
        if plan.price(sub.billing_cycle) == 0:
            sub.current_period_start = sub.current_period_end = None
            _set_status(sub, "active", end)
            await _changed(session, sub, "subscription.downgraded", SYSTEM)
            return "subscription.downgraded"
    # The renewal is due and not paid: dunning starts (notices through the events).
    _set_status(sub, "past_due", end)
    await _changed(session, sub, "subscription.past_due", SYSTEM, {"due_since": _iso(end)})
    return "subscription.past_due"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
