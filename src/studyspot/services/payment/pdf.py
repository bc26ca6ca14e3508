"""A library's invoices, receipts and credit notes as PDF, through the kit's writer."""

from __future__ import annotations

from studyspot.kit.invoice_pdf import Document, gst_rows, inr
from studyspot.kit.invoice_pdf import render as render_document
from studyspot.services.payment.schemas import InvoiceRead

__all__ = ["TITLES", "document", "inr", "render"]

TITLES = {"tax_invoice": "TAX INVOICE", "receipt": "PAYMENT RECEIPT", "credit_note": "CREDIT NOTE"}


def document(invoice: InvoiceRead) -> Document:
    supplier = invoice.supplier
    details = [("Number", invoice.number), ("Date", invoice.issue_date.isoformat())]
    if invoice.refers_to:
        details.append(("Against invoice", invoice.refers_to))
    details.append(("Billed to", invoice.recipient.name or "-"))
    if invoice.recipient.enrollment_number:
        details.append(("Enrollment no.", invoice.recipient.enrollment_number))
    pos = invoice.place_of_supply
    details.append(("Place of supply", f"{pos.state} ({pos.state_code})"))
    if invoice.kind != "receipt":
        details.append(("SAC", invoice.sac_code))
    reference = f" ({invoice.payment_reference})" if invoice.payment_reference else ""
    details.append(("Paid by", f"{invoice.method}{reference}"))
    subtotals: list[tuple[str, int]] = []
    if invoice.taxable_paise is not None:
        subtotals = gst_rows(
            invoice.taxable_paise,
            invoice.gst_rate_bps or 0,
            invoice.cgst_paise,
            invoice.sgst_paise,
            invoice.igst_paise,
        )
        if invoice.other_paise:
            subtotals.append(("Not taxable (security deposit)", invoice.other_paise))
    return Document(
        title=TITLES[invoice.kind],
        number=invoice.number,
        supplier_name=supplier.name,
        supplier_address=", ".join(
            p for p in (supplier.branch, supplier.city, supplier.state) if p
        ),
        supplier_gstin=supplier.gstin,
        details=details,
        lines=[(line.description, line.amount_paise) for line in invoice.lines],
        subtotals=subtotals,
        total_paise=invoice.total_paise,
        notes=[f"Reason: {invoice.reason}"] if invoice.reason else [],
    )


def render(invoice: InvoiceRead) -> bytes:
    return render_document(document(invoice))
