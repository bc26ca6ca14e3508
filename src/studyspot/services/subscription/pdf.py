"""StudySpot's GST invoice to a tenant as PDF, through the kit's invoice writer."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from studyspot.kit.invoice_pdf import Document, gst_rows
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.schemas import InvoiceRead

INDIA = ZoneInfo("Asia/Kolkata")
STATUS = {"paid": "Paid", "unpaid": "Unpaid: payable by bank transfer", "void": "Void"}
CYCLES = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "half_yearly": "half-yearly",
    "annual": "annual",
}


def document(invoice: InvoiceRead, config: SubscriptionSettings) -> Document:
    start = invoice.period_start.astimezone(INDIA).date()
    end = invoice.period_end.astimezone(INDIA).date()
    details = [
        ("Number", invoice.invoice_number),
        ("Date", invoice.issued_at.astimezone(INDIA).date().isoformat()),
        ("Billed to", invoice.recipient_name or "-"),
    ]
    if invoice.recipient_gstin:
        details.append(("Recipient GSTIN", invoice.recipient_gstin))
    details += [
        ("Place of supply", f"State code {invoice.place_of_supply}"),
        ("SAC", config.sac_code),
        ("Reference", invoice.reference),
        ("Status", STATUS[invoice.status]),
    ]
    cycle = CYCLES.get(invoice.billing_cycle, invoice.billing_cycle)
    description = f"StudySpot {invoice.plan_code.capitalize()} plan, {cycle}, {start} until {end}"
    return Document(
        title="TAX INVOICE",
        number=invoice.invoice_number,
        supplier_name=config.supplier_name,
        supplier_address=config.supplier_address,
        supplier_gstin=invoice.supplier_gstin,
        details=details,
        lines=[(description, invoice.total_paise)],
        subtotals=gst_rows(
            invoice.taxable_paise,
            invoice.gst_rate_bps,
            invoice.cgst_paise,
            invoice.sgst_paise,
            invoice.igst_paise,
        ),
        total_paise=invoice.total_paise,
        notes=["Prices include GST."],
    )
