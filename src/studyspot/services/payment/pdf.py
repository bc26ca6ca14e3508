"""Invoices, receipts and credit notes as PDF (fpdf2, pure Python).

Only the PDF core fonts are used (no font files to ship), so amounts are
written `INR 1,180.00` rather than with the rupee sign those fonts lack.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from studyspot.services.payment.schemas import InvoiceRead

TITLES = {"tax_invoice": "TAX INVOICE", "receipt": "PAYMENT RECEIPT", "credit_note": "CREDIT NOTE"}


def inr(paise: int) -> str:
    """Indian digit grouping: 123456789 paise → `INR 12,34,567.89`."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    digits = str(rupees)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join(groups) + "," + tail
    return f"{sign}INR {digits}.{rest:02d}"


def _latin1(text: str | None) -> str:
    # Core fonts are Latin-1: anything else (Devanagari names) is shown as '?'.
    return (text or "").encode("latin-1", "replace").decode("latin-1")


def render(invoice: InvoiceRead) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_title(f"{TITLES[invoice.kind]} {invoice.number}")
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, TITLES[invoice.kind], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="C")

    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, _latin1(invoice.supplier.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    branch = ", ".join(
        p for p in (invoice.supplier.branch, invoice.supplier.city, invoice.supplier.state) if p
    )
    pdf.cell(0, 5, _latin1(branch), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if invoice.supplier.gstin:
        pdf.cell(0, 5, f"GSTIN: {invoice.supplier.gstin}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    def row(label: str, value: str) -> None:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(45, 6, label)
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    row("Number", invoice.number)
    row("Date", invoice.issue_date.isoformat())
    if invoice.refers_to:
        row("Against invoice", invoice.refers_to)
    row("Billed to", invoice.recipient.name or "-")
    if invoice.recipient.enrollment_number:
        row("Enrollment no.", invoice.recipient.enrollment_number)
    pos = invoice.place_of_supply
    row("Place of supply", f"{pos.state} ({pos.state_code})")
    if invoice.kind != "receipt":
        row("SAC", invoice.sac_code)
    row(
        "Paid by",
        f"{invoice.method}"
        + (f" ({invoice.payment_reference})" if invoice.payment_reference else ""),
    )
    pdf.ln(4)

    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(130, 7, "Description", border=1)
    pdf.cell(0, 7, "Amount", border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    for line in invoice.lines:
        pdf.cell(130, 7, _latin1(line.description)[:80], border=1)
        pdf.cell(
            0, 7, inr(line.amount_paise), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def total(label: str, paise: int, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(130, 7, label, border=1, align="R")
        pdf.cell(0, 7, inr(paise), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if invoice.taxable_paise is not None:
        rate = (invoice.gst_rate_bps or 0) / 100
        total("Taxable value", invoice.taxable_paise)
        if invoice.igst_paise:
            total(f"IGST @ {rate:g}%", invoice.igst_paise)
        else:
            total(f"CGST @ {rate / 2:g}%", invoice.cgst_paise)
            total(f"SGST @ {rate / 2:g}%", invoice.sgst_paise)
        if invoice.other_paise:
            total("Not taxable (security deposit)", invoice.other_paise)
    total("Total", invoice.total_paise, bold=True)
    if invoice.reason:
        pdf.ln(3)
        pdf.multi_cell(0, 5, _latin1(f"Reason: {invoice.reason}"))
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4, "Computer-generated document; no signature required.")
    return bytes(pdf.output())
