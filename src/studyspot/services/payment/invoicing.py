"""Receipts, GST tax invoices and credit notes: numbering and content.

Numbers run per tenant, series and Indian financial year without gaps: the
counter row is bumped in the capture's own transaction (a rolled-back capture
gives its number back) and (tenant, series, number) is unique. The format is
`INV/2026-27/0001` (16 characters at most, as GST rule 46 allows); from the
10,000th document of a year on, the year is written `2627` so the number
still fits (`INV/2627/10000`).

A tenant (or branch) with a GSTIN issues tax invoices (series INV), one
without issues receipts (RCP). A refund of a tax-invoiced payment issues a
credit note (CRN) with the tax reversed; documents are never edited.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.payment import gst
from studyspot.services.payment.models import Invoice, Payment, Refund
from studyspot.services.payment.repository import Counters

INDIA = ZoneInfo("Asia/Kolkata")
SERIES = {"tax_invoice": "INV", "receipt": "RCP", "credit_note": "CRN"}
NUMBER_PATTERN = r"^[A-Za-z0-9/\-]{1,16}$"


def format_number(series: str, fy: str, seq: int) -> str:
    if seq < 10_000:
        return f"{series}/{fy}/{seq:04d}"
    return f"{series}/{fy[:4][2:]}{fy[-2:]}/{seq}"


def _split_for_payment(payment: Payment, paid_before: int) -> gst.TaxSplit | None:
    snap = payment.snapshot
    supplier_gstin = (snap.get("supplier") or {}).get("gstin")
    if not supplier_gstin:
        return None
    booking = snap["booking"]
    return gst.allocate(
        amount_paise=payment.amount_paise,
        paid_before_paise=paid_before,
        booking_total_paise=booking["total_paise"],
        booking_taxable_paise=booking["taxable_paise"],
        booking_gst_paise=booking["gst_paise"],
        intra_state=gst.is_intra_state(supplier_gstin, snap["library"]["state_code"]),
    )


def _common(payment: Payment, issued_at: datetime) -> dict[str, Any]:
    snap = payment.snapshot
    library = snap.get("library", {})
    return {
        "issue_date": issued_at.astimezone(INDIA).date().isoformat(),
        "supplier": {
            "name": (snap.get("supplier") or {}).get("name", ""),
            "gstin": (snap.get("supplier") or {}).get("gstin"),
            "branch": library.get("name", ""),
            "city": library.get("city", ""),
            "state": library.get("state", ""),
            "state_code": library.get("state_code", ""),
        },
        "recipient": {
            "name": (snap.get("student") or {}).get("name", ""),
            "enrollment_number": (snap.get("student") or {}).get("enrollment_number", ""),
        },
        "place_of_supply": {
            "state": library.get("state", ""),
            "state_code": library.get("state_code", ""),
        },
        "sac_code": snap.get("sac_code", ""),
        "booking_id": str(payment.booking_id),
        "payment_id": str(payment.id),
        "method": payment.method,
        "payment_reference": payment.utr or payment.provider_payment_id or payment.reference,
        "currency": payment.currency,
    }


def _amounts(split: gst.TaxSplit | None, total: int, rate_bps: int) -> dict[str, Any]:
    if split is None:
        return {
            "taxable_paise": None,
            "gst_rate_bps": None,
            "cgst_paise": 0,
            "sgst_paise": 0,
            "igst_paise": 0,
            "other_paise": total,
            "total_paise": total,
        }
    return {
        "taxable_paise": split.taxable_paise,
        "gst_rate_bps": rate_bps,
        "cgst_paise": split.cgst_paise,
        "sgst_paise": split.sgst_paise,
        "igst_paise": split.igst_paise,
        "other_paise": split.other_paise,
        "total_paise": split.total_paise,
    }


async def _issue(
    session: AsyncSession,
    payment: Payment,
    kind: str,
    issued_at: datetime,
    content: dict[str, Any],
    total: int,
    refund_id: uuid.UUID | None = None,
) -> Invoice:
    series = SERIES[kind]
    fy = gst.financial_year(issued_at.astimezone(INDIA).date())
    seq = await Counters(session, payment.tenant_id).next(series, fy)
    number = format_number(series, fy, seq)
    document = {"kind": kind, "number": number, "financial_year": fy, **content}
    invoice = Invoice(
        id=uuid.uuid4(),
        payment_id=payment.id,
        refund_id=refund_id,
        kind=kind,
        series=series,
        financial_year=fy,
        seq=seq,
        number=number,
        issued_at=issued_at,
        total_paise=total,
        document=document,
    )
    invoice.tenant_id = payment.tenant_id
    session.add(invoice)
    await session.flush()
    return invoice


async def issue_for_capture(
    session: AsyncSession, payment: Payment, *, paid_before_paise: int, issued_at: datetime
) -> Invoice:
    split = _split_for_payment(payment, paid_before_paise)
    kind = "tax_invoice" if split is not None else "receipt"
    rate = int(payment.snapshot.get("booking", {}).get("gst_rate_bps", 0))
    description = payment.snapshot.get("description") or "Study library seat booking"
    content = {
        **_common(payment, issued_at),
        "lines": [{"description": description, "amount_paise": payment.amount_paise}],
        **_amounts(split, payment.amount_paise, rate),
    }
    return await _issue(session, payment, kind, issued_at, content, payment.amount_paise)


async def issue_credit_note(
    session: AsyncSession,
    payment: Payment,
    original: Invoice,
    refund: Refund,
    *,
    refunded_before_paise: int,
    issued_at: datetime,
) -> Invoice | None:
    """A credit note reversing the refunded share of a tax invoice (receipts need none)."""
    if original.kind != "tax_invoice":
        return None
    doc = original.document
    intra = bool(doc.get("cgst_paise") or doc.get("sgst_paise")) or not doc.get("igst_paise")
    gst_total = int(doc["cgst_paise"]) + int(doc["sgst_paise"]) + int(doc["igst_paise"])
    share = gst.allocate(
        amount_paise=refund.amount_paise,
        paid_before_paise=refunded_before_paise,
        booking_total_paise=int(doc["total_paise"]),
        booking_taxable_paise=int(doc["taxable_paise"]),
        booking_gst_paise=gst_total,
        intra_state=intra,
    )
    negated = gst.TaxSplit(
        -share.taxable_paise,
        -share.gst_paise,
        -share.other_paise,
        -share.cgst_paise,
        -share.sgst_paise,
        -share.igst_paise,
    )
    content = {
        **_common(payment, issued_at),
        "refers_to": original.number,
        "reason": refund.reason,
        "lines": [
            {
                "description": f"Refund against {original.number}",
                "amount_paise": -refund.amount_paise,
            }
        ],
        **_amounts(negated, -refund.amount_paise, int(doc.get("gst_rate_bps") or 0)),
    }
    return await _issue(
        session, payment, "credit_note", issued_at, content, -refund.amount_paise, refund.id
    )
