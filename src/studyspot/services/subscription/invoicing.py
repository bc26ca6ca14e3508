"""StudySpot's GST invoices to tenants, one per paid period, numbered per financial year.

Plan prices include GST (`gst_rate_bps`, 18 %): the taxable value is the price divided
by 1.18, rounded half up to the paisa, and the tax the rest, so the invoice adds up to
what was paid. Within the supplier's state the tax is CGST + SGST (the odd paisa to
CGST), across states IGST; the place of supply is the state of the tenant's GSTIN, else
the state it gave, else the supplier's own (no address on record).

Numbering is gapless: the financial year's counter row is locked (`FOR UPDATE`; on
SQLite the unit of work already holds the write lock) and moved in the same transaction
as the payment that the invoice is for, so a payment rolled back takes its number with
it, and the unique (financial year, number) is the backstop.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.gst import financial_year, is_intra_state, split
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.models import (
    CreditNote,
    CreditNoteCounter,
    Invoice,
    InvoiceCounter,
    Subscription,
)

INDIA = ZoneInfo("Asia/Kolkata")


def taxable_of(total: int, rate_bps: int) -> int:
    """round_half_up(total * 10000 / (10000 + rate)) in integers."""
    denominator = 10_000 + rate_bps
    return (2 * total * 10_000 + denominator) // (2 * denominator)


Counter = TypeVar("Counter", InvoiceCounter, CreditNoteCounter)


async def next_number(session: AsyncSession, year: str, series: type[Counter]) -> int:
    """The next number of the year in a series (invoices, or credit notes)."""
    query = select(series).where(series.financial_year == year).with_for_update()
    counter = await session.scalar(query)
    if counter is None:
        try:
            async with session.begin_nested():
                session.add(series(financial_year=year, last_number=0))
        except IntegrityError:
            pass  # another transaction made it first; lock theirs
        counter = await session.scalar(query)
    assert counter is not None
    counter.last_number += 1
    return counter.last_number


async def issue(
    session: AsyncSession,
    sub: Subscription,
    amount: int,
    reference: str,
    config: SubscriptionSettings,
    now: datetime,
    *,
    plan_code: str | None = None,
    paid: bool = True,
    period: tuple[datetime, datetime] | None = None,
    received_on: date | None = None,
) -> Invoice:
    """The invoice for `amount` received now (`paid`), or asked for (an upgrade invoiced to
    a tenant paying by invoice: `plan_code` is the plan bought, not yet applied). A sale
    that is no plan (message credits, `plan_code` naming it) gives its own `period`."""
    start, end = period or (sub.current_period_start, sub.current_period_end)
    assert start is not None and end is not None
    year = financial_year(now.astimezone(INDIA).date())
    number = await next_number(session, year, InvoiceCounter)
    supplier = config.supplier_gstin
    place = (sub.billing_gstin or "")[:2] or sub.billing_state_code or supplier[:2]
    rate = config.gst_rate_bps
    taxable = taxable_of(amount, rate)
    tax = split(taxable, amount - taxable, 0, intra_state=is_intra_state(supplier, place))
    invoice = Invoice(
        tenant_id=sub.tenant_id,
        subscription_id=sub.id,
        financial_year=year,
        number=number,
        invoice_number=f"{config.invoice_prefix}/{year}/{number:06d}",
        plan_code=plan_code or sub.plan_code,
        billing_cycle=sub.billing_cycle,
        period_start=start,
        period_end=end,
        reference=reference[:100],
        supplier_gstin=supplier,
        recipient_name=sub.billing_name,
        recipient_gstin=sub.billing_gstin,
        place_of_supply=place,
        taxable_paise=tax.taxable_paise,
        cgst_paise=tax.cgst_paise,
        sgst_paise=tax.sgst_paise,
        igst_paise=tax.igst_paise,
        total_paise=tax.total_paise,
        issued_at=now,
        gst_rate_bps=rate,
        status="paid" if paid else "unpaid",
        paid_at=now if paid else None,
        payment_reference=reference[:100] if paid else None,
        # A payment recorded by hand may name the day it arrived; else it arrived now.
        payment_received_on=(received_on or now.astimezone(INDIA).date()) if paid else None,
    )
    session.add(invoice)
    await session.flush()
    return invoice


# What a credit note takes from the invoice it reverses, unchanged.
_REVERSED = (
    "tenant_id",
    "subscription_id",
    "supplier_gstin",
    "recipient_name",
    "recipient_gstin",
    "place_of_supply",
    "gst_rate_bps",
    "taxable_paise",
    "cgst_paise",
    "sgst_paise",
    "igst_paise",
    "total_paise",
)


async def credit(
    session: AsyncSession,
    invoice: Invoice,
    reason: str,
    config: SubscriptionSettings,
    now: datetime,
) -> CreditNote:
    """A credit note for the whole of `invoice` (what it asked for will not be supplied):
    its own number in the year's credit note series, the invoice's rate, place of supply
    and amounts, so the tax it declared is reversed to the paisa."""
    year = financial_year(now.astimezone(INDIA).date())
    number = await next_number(session, year, CreditNoteCounter)
    same = {name: getattr(invoice, name) for name in _REVERSED}
    note = CreditNote(
        **same,
        invoice_id=invoice.id,
        invoice_number=invoice.invoice_number,
        financial_year=year,
        number=number,
        credit_note_number=f"{config.invoice_prefix}-CN/{year}/{number:06d}",
        reason=reason[:200],
        issued_at=now,
    )
    session.add(note)
    await session.flush()
    return note
