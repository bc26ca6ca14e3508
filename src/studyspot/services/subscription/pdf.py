"""StudySpot's GST invoice to a tenant as PDF, through the kit's invoice writer."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from studyspot.kit.invoice_pdf import Document, gst_rows
from studyspot.services.subscription.client import CREDITS_SOLD
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.schemas import CreditNoteRead, InvoiceRead

INDIA = ZoneInfo("Asia/Kolkata")
STATUS = {"paid": "Paid", "unpaid": "Unpaid: payable by bank transfer", "void": "Void"}
CYCLES = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "half_yearly": "half-yearly",
    "annual": "annual",
}


def _parties(
    doc: InvoiceRead | CreditNoteRead, number: str, config: SubscriptionSettings
) -> list[tuple[str, str]]:
    """Number, date (India), the tenant billed, place of supply and SAC."""
    details = [
        ("Number", number),
        ("Date", doc.issued_at.astimezone(INDIA).date().isoformat()),
        ("Billed to", doc.recipient_name or "-"),
    ]
    if doc.recipient_gstin:
        details.append(("Recipient GSTIN", doc.recipient_gstin))
    return [
        *details,
        ("Place of supply", f"State code {doc.place_of_supply}"),
        ("SAC", config.sac_code),
    ]


def _taxes(doc: InvoiceRead | CreditNoteRead) -> list[tuple[str, int]]:
    return gst_rows(
        doc.taxable_paise, doc.gst_rate_bps, doc.cgst_paise, doc.sgst_paise, doc.igst_paise
    )


def document(invoice: InvoiceRead, config: SubscriptionSettings) -> Document:
    start = invoice.period_start.astimezone(INDIA).date()
    end = invoice.period_end.astimezone(INDIA).date()
    details = [
        *_parties(invoice, invoice.invoice_number, config),
        ("Reference", invoice.reference),
        ("Status", STATUS[invoice.status]),
    ]
    cycle = CYCLES.get(invoice.billing_cycle, invoice.billing_cycle)
    description = f"StudySpot {invoice.plan_code.capitalize()} plan, {cycle}, {start} until {end}"
    if invoice.plan_code == CREDITS_SOLD:
        description = f"StudySpot message credits (prepaid SMS and WhatsApp), bought {start}"
    return Document(
        title="TAX INVOICE",
        number=invoice.invoice_number,
        supplier_name=config.supplier_name,
        supplier_address=config.supplier_address,
        supplier_gstin=invoice.supplier_gstin,
        details=details,
        lines=[(description, invoice.total_paise)],
        subtotals=_taxes(invoice),
        total_paise=invoice.total_paise,
        notes=["Prices include GST."],
    )


def credit_note(note: CreditNoteRead, config: SubscriptionSettings) -> Document:
    details = [
        *_parties(note, note.credit_note_number, config),
        ("Against invoice", note.invoice_number),
        ("Reason", note.reason),
    ]
    return Document(
        title="CREDIT NOTE",
        number=note.credit_note_number,
        supplier_name=config.supplier_name,
        supplier_address=config.supplier_address,
        supplier_gstin=note.supplier_gstin,
        details=details,
        lines=[(f"Reversal of invoice {note.invoice_number}", note.total_paise)],
        subtotals=_taxes(note),
        total_paise=note.total_paise,
        notes=["Credited in full: nothing is payable against the invoice."],
    )
