"""Taking money: create a payment for a booking, verify checkouts and UPI transfers.

The amount is the booking's balance as the server computes it from the
booking service's `total_paise` and this service's ledger; only a desk payment
may take less (a partial payment, leaving a balance due).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record, record_detached
from studyspot.kit.db import Database, unit_of_work
from studyspot.services.payment import lifecycle
from studyspot.services.payment.access import Caller
from studyspot.services.payment.accounts import load_credentials
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.errors import (
    AmountExceedsBalance,
    BookingNotPayable,
    DueClosed,
    HoldExpired,
    InvalidSignature,
    InvalidState,
    LinkNotCancellable,
    MethodForbidden,
    NothingDue,
    PaymentInProgress,
    PaymentNotFound,
    UtrAlreadyUsed,
)
from studyspot.services.payment.models import Payment
from studyspot.services.payment.providers.base import (
    LinkRequest,
    OrderRequest,
    ProviderError,
    SignatureInvalid,
)
from studyspot.services.payment.repository import Dues, Payments, add_route
from studyspot.services.payment.schemas import (
    PaymentCreate,
    PaymentLinkCreate,
    RazorpayCheckout,
    UpiReject,
    UpiVerify,
    UtrSubmit,
)
from studyspot.services.payment.upstream import InternalBooking

PAYABLE = ("pending_payment", "confirmed", "active", "completed")
ONLINE = ("upi", "razorpay", "cashfree")


async def _snapshot(
    ctx: PaymentContext, caller: Caller, booking: InternalBooking
) -> dict[str, Any]:
    """What the invoice will print, read once now so that capture needs no HTTP call."""
    library, supplier, student = await asyncio.gather(
        ctx.upstream.branch(caller.tenant_id, booking.library_id),
        ctx.upstream.supplier(caller.tenant_id),
        ctx.upstream.student(caller.tenant_id, booking.student_id),
    )
    return {
        "sac_code": ctx.settings.sac_code,
        "description": f"Study library seat, {booking.start_date.isoformat()} to {booking.end_date.isoformat()}",
        "supplier": {"name": supplier.name, "gstin": library.gstin or supplier.gstin},
        "library": {
            "name": library.name,
            "city": library.city,
            "state": library.state,
            "state_code": library.gst_state_code,
        },
        "student": {
            "name": student.name if student else "",
            "enrollment_number": student.enrollment_number if student else "",
            "phone": student.phone if student else None,
            "email": student.email if student else None,
        },
        "booking": {
            "total_paise": booking.total_paise,
            "taxable_paise": booking.taxable_paise,
            "gst_paise": booking.gst_paise,
            "gst_rate_bps": booking.gst_rate_bps,
            "security_deposit_paise": booking.security_deposit_paise,
        },
    }


def _check_payable(booking: InternalBooking, method: str, now: datetime) -> None:
    if booking.currency != "INR":
        raise BookingNotPayable("This booking is not in INR")
    if booking.status == "expired":
        raise HoldExpired("The seat hold of this booking has expired; book again")
    if booking.status not in PAYABLE:
        raise BookingNotPayable(f"A {booking.status} booking cannot be paid")
    if (
        booking.status == "pending_payment"
        and booking.hold_expires_at is not None
        and booking.hold_expires_at <= now
    ):
        raise HoldExpired("The seat hold of this booking has expired; book again")


async def create_payment(
    session: AsyncSession,
    ctx: PaymentContext,
    caller: Caller,
    body: PaymentCreate,
    *,
    routes_db: Database | None = None,
    link_expires_at: datetime | None = None,
) -> Payment:
    """`routes_db`: the shared tenant database when the caller's tenant has a dedicated one
    (webhook routes live in the shared one); None writes the route in `session`.
    `link_expires_at`: make a payment link (see `create_link`) instead of an order."""
    if caller.is_student and body.method not in ONLINE:
        raise MethodForbidden("Students pay online (UPI, Razorpay or Cashfree)")
    tenant_id = caller.tenant_id
    booking = await ctx.upstream.booking(tenant_id, body.booking_id)
    if not caller.may_see(library_id=booking.library_id, student_id=booking.student_id):
        raise PaymentNotFound("No such booking", code="booking_not_found")
    now = datetime.now(UTC)
    _check_payable(booking, body.method, now)
    provider = ctx.providers.for_method(body.method)
    snapshot = await _snapshot(ctx, caller, booking)
    credentials = (
        await load_credentials(session, ctx.box, tenant_id, provider.name)
        if provider.needs_account
        else None
    )

    dues = Dues(session, tenant_id)
    await dues.record_booking(
        booking_id=booking.id,
        student_id=booking.student_id,
        library_id=booking.library_id,
        charged_paise=booking.total_paise,
        due_date=booking.start_date,
    )
    # The due row lock serialises payments of one booking: two cannot both take the balance.
    due = await dues.locked(booking.id)
    assert due is not None
    if due.status != "open":
        # The booking service may still have answered "payable" before the close committed.
        raise DueClosed(
            "This booking was cancelled"
            if due.status == "cancelled"
            else "The seat hold of this booking has expired; book again"
        )
    balance = due.balance_paise
    if balance <= 0:
        raise NothingDue("Nothing is due on this booking")
    if body.method in ONLINE and await Payments(session, tenant_id).open_online_for_booking(
        booking.id
    ):
        raise PaymentInProgress(
            "A payment of this booking is waiting for confirmation; wait for it or ask staff"
        )
    amount = body.amount_paise if body.amount_paise is not None else balance
    if amount > balance:
        raise AmountExceedsBalance(
            f"Only {balance} paise are due",
            errors=[{"field": "body.amount_paise", "message": f"at most {balance}"}],
        )

    payment = Payment(
        id=uuid.uuid4(),
        booking_id=booking.id,
        student_id=booking.student_id,
        library_id=booking.library_id,
        method=body.method,
        provider=provider.name,
        status="created",
        amount_paise=amount,
        currency="INR",
        refunded_paise=0,
        refund_reserved_paise=0,
        reference=body.reference,
        note=body.note,
        created_by=caller.principal.user_id,
        created_by_type=caller.principal.user_type,
        snapshot=snapshot,
    )
    payment.tenant_id = tenant_id
    session.add(payment)
    await session.flush()

    student = snapshot["student"]
    order = OrderRequest(
        payment_id=payment.id,
        tenant_id=tenant_id,
        booking_id=booking.id,
        amount_paise=amount,
        currency="INR",
        customer_id=str(booking.student_id).replace("-", ""),
        customer_name=student.get("name") or None,
        customer_phone=student.get("phone"),
        customer_email=student.get("email"),
        note=body.note or ctx.settings.upi_payee_note,
    )
    if link_expires_at is None:
        created = await provider.create(credentials, order)
    else:
        assert credentials is not None
        purpose = f"{snapshot['library']['name']}: {snapshot['description']}"
        created = await provider.create_link(
            credentials, LinkRequest(order, link_expires_at, body.note or purpose)
        )
        # Sent to the student: waiting for them, so no second online payment starts meanwhile.
        payment.status = "pending"
    # Set only when the provider made something: a desk payment then writes no UPDATE of
    # the row it just inserted, one statement fewer while it holds SQLite's write lock.
    if created.provider_order_id is not None:
        payment.provider_order_id = created.provider_order_id
        if routes_db is None:
            await add_route(session, provider.name, created.provider_order_id, tenant_id)
        else:
            async with unit_of_work(routes_db) as routes:
                await add_route(routes, provider.name, created.provider_order_id, tenant_id)
    if created.upi_reference is not None:
        payment.upi_reference = created.upi_reference
    if created.checkout:
        payment.snapshot = {
            **snapshot,
            "checkout": {
                "provider": provider.name,
                "currency": "INR",
                "amount_paise": amount,
                **created.checkout,
            },
        }
    await session.flush()
    await record(
        session,
        "payment.created",
        "payment",
        payment.id,
        tenant_id=tenant_id,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
        details={"method": payment.method, "amount_paise": amount, "booking_id": str(booking.id)},
    )
    if provider.captures_on_create:
        await lifecycle.capture(session, payment, actor=caller.actor)
    return payment


async def visible_payment(
    session: AsyncSession, caller: Caller, payment_id: uuid.UUID, *, lock: bool = False
) -> Payment:
    repo = Payments(session, caller.tenant_id)
    payment = await (repo.locked(payment_id) if lock else repo.get(payment_id))
    if payment is None or not caller.may_see(
        library_id=payment.library_id, student_id=payment.student_id
    ):
        raise PaymentNotFound("No such payment")
    return payment


async def confirm_checkout(
    session: AsyncSession,
    db: Database,
    ctx: PaymentContext,
    caller: Caller,
    payment_id: uuid.UUID,
    body: RazorpayCheckout,
) -> Payment:
    payment = await visible_payment(session, caller, payment_id, lock=True)
    if payment.provider != "razorpay" or payment.provider_order_id is None:
        raise InvalidState("Only Razorpay payments have a checkout to confirm")
    if payment.status in lifecycle.CAPTURED:
        return payment
    if payment.status not in lifecycle.OPEN:
        raise InvalidState(f"A {payment.status} payment cannot be confirmed")
    credentials = await load_credentials(session, ctx.box, caller.tenant_id, "razorpay")
    provider = ctx.providers.named("razorpay")
    try:
        provider_payment_id = provider.verify_checkout(
            credentials, payment.provider_order_id, body.model_dump()
        )
    except SignatureInvalid:
        # Undo first: on SQLite the audit's own transaction needs the write lock.
        await session.rollback()
        await record_detached(
            db,
            "payment.checkout_forged",
            "payment",
            payment_id,
            tenant_id=caller.tenant_id,
            actor_id=caller.principal.user_id,
            actor_type=caller.principal.user_type,
            outcome="refused",
            details={"provider": "razorpay"},
        )
        raise InvalidSignature("The checkout signature does not verify") from None
    payment.status = "pending"
    payment.provider_payment_id = provider_payment_id
    await record(
        session,
        "payment.checkout_verified",
        "payment",
        payment.id,
        tenant_id=caller.tenant_id,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
    )
    return payment


async def _utr_taken(
    session: AsyncSession, tenant_id: uuid.UUID, utr: str, payment_id: uuid.UUID
) -> bool:
    other = await session.scalar(
        select(Payment.id).where(
            Payment.tenant_id == tenant_id, Payment.utr == utr, Payment.id != payment_id
        )
    )
    return other is not None


async def _set_utr(session: AsyncSession, payment: Payment, utr: str) -> None:
    if await _utr_taken(session, payment.tenant_id, utr, payment.id):
        raise UtrAlreadyUsed("This UTR was already used for another payment")
    payment.utr = utr
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent submission of the same UTR won
        raise UtrAlreadyUsed("This UTR was already used for another payment") from exc


async def submit_utr(
    session: AsyncSession, caller: Caller, payment_id: uuid.UUID, body: UtrSubmit
) -> Payment:
    payment = await visible_payment(session, caller, payment_id, lock=True)
    if payment.method != "upi":
        raise InvalidState("Only UPI payments take a UTR")
    if payment.status not in lifecycle.OPEN:
        raise InvalidState(f"A {payment.status} payment takes no UTR")
    await _set_utr(session, payment, body.utr)
    payment.status = "pending"
    await record(
        session,
        "payment.utr_submitted",
        "payment",
        payment.id,
        tenant_id=caller.tenant_id,
        actor_id=caller.principal.user_id,
        actor_type=caller.principal.user_type,
        details={"utr": body.utr},
    )
    return payment


async def verify_upi(
    session: AsyncSession, caller: Caller, payment_id: uuid.UUID, body: UpiVerify
) -> Payment:
    """Staff found the transfer on the bank statement: the payment is captured."""
    payment = await visible_payment(session, caller, payment_id, lock=True)
    if payment.method != "upi":
        raise InvalidState("Only UPI payments are verified by staff")
    if payment.status in lifecycle.CAPTURED:
        return payment
    if payment.status not in lifecycle.OPEN:
        raise InvalidState(f"A {payment.status} payment cannot be verified")
    if body.utr is not None and body.utr != payment.utr:
        await _set_utr(session, payment, body.utr)
    if payment.utr is None:
        raise InvalidState("No UTR yet: the student submits it, or give the one on the statement")
    await lifecycle.capture(
        session, payment, actor=caller.actor, verified_by=caller.principal.user_id
    )
    return payment


async def reject_upi(
    session: AsyncSession, caller: Caller, payment_id: uuid.UUID, body: UpiReject
) -> Payment:
    payment = await visible_payment(session, caller, payment_id, lock=True)
    if payment.method != "upi":
        raise InvalidState("Only UPI payments are rejected by staff")
    if not await lifecycle.fail(session, payment, reason=body.reason, actor=caller.actor):
        raise InvalidState(f"A {payment.status} payment cannot be rejected")
    return payment


def is_link(payment: Payment) -> bool:
    return bool((payment.snapshot.get("checkout") or {}).get("link_url"))


async def create_link(
    session: AsyncSession,
    ctx: PaymentContext,
    caller: Caller,
    body: PaymentLinkCreate,
    *,
    routes_db: Database | None = None,
) -> Payment:
    """A Razorpay or Cashfree payment link for the booking's balance, made by staff at the desk
    and shared by them (QR, WhatsApp); the provider's webhook or the reconciler captures it."""
    if caller.is_student:
        raise MethodForbidden("Payment links are made by staff at the desk")
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(
        minutes=body.expires_in_minutes
    )
    payment = PaymentCreate(booking_id=body.booking_id, method=body.provider, note=body.note)
    return await create_payment(
        session, ctx, caller, payment, routes_db=routes_db, link_expires_at=expires_at
    )


async def cancel_link(
    session: AsyncSession, ctx: PaymentContext, caller: Caller, payment_id: uuid.UUID
) -> Payment:
    """Cancel an unpaid link at the provider, then fail the payment. A link the student paid
    meanwhile cannot be cancelled: the provider refuses, its status is fetched, and a paid link
    is captured here (answered as captured) instead of being lost."""
    payment = await visible_payment(session, caller, payment_id)
    if not is_link(payment) or payment.provider_order_id is None:
        raise InvalidState("Only a payment link can be cancelled")
    if payment.status not in lifecycle.OPEN:
        raise LinkNotCancellable(f"A {payment.status} payment link cannot be cancelled")
    provider = ctx.providers.named(payment.provider)
    credentials = await load_credentials(session, ctx.box, caller.tenant_id, payment.provider)
    link_id = payment.provider_order_id
    try:
        await provider.cancel_link(credentials, link_id)
        settlement = None
    except ProviderError:
        settlement = await provider.fetch_link_status(credentials, link_id)
        if settlement.outcome == "open":
            raise
    payment = await visible_payment(session, caller, payment_id, lock=True)
    if settlement is not None and settlement.outcome == "captured":
        await lifecycle.capture(session, payment, actor=caller.actor, settlement=settlement)
        return payment
    reason = settlement.reason if settlement is not None else "The payment link was cancelled"
    if not await lifecycle.fail(session, payment, reason=reason, actor=caller.actor):
        raise LinkNotCancellable(f"A {payment.status} payment link cannot be cancelled")
    return payment
