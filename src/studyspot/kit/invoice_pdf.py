"""Invoices, receipts and credit notes as PDF (fpdf2, pure Python), for every service that
issues one: the payment service (a library to its student) and the subscription service
(StudySpot to a tenant). Each maps its own invoice onto a `Document`; the layout, the
amounts and the JSON-or-PDF answer are written once, here.

Only the PDF core fonts are used (no font files to ship), so amounts are
written `INR 1,180.00` rather than with the rupee sign those fonts lack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from studyspot.kit.errors import problem_responses
from studyspot.kit.india import format_rupees


def inr(paise: int) -> str:
    """Indian digit grouping: 123456789 paise → `INR 12,34,567.89`."""
    return format_rupees(paise).replace("₹", "INR ")


def latin1(text: str | None) -> str:
    # Core fonts are Latin-1: anything else (Devanagari names) is shown as '?'.
    return (text or "").encode("latin-1", "replace").decode("latin-1")


def gst_rows(
    taxable_paise: int, rate_bps: int, cgst_paise: int, sgst_paise: int, igst_paise: int
) -> list[tuple[str, int]]:
    """Taxable value, then IGST or CGST + SGST at their rates."""
    rate = rate_bps / 100
    rows = [("Taxable value", taxable_paise)]
    if igst_paise:
        rows.append((f"IGST @ {rate:g}%", igst_paise))
    else:
        rows.append((f"CGST @ {rate / 2:g}%", cgst_paise))
        rows.append((f"SGST @ {rate / 2:g}%", sgst_paise))
    return rows


@dataclass(frozen=True)
class Document:
    """What a printed invoice says, in order from the top."""

    title: str  # TAX INVOICE, PAYMENT RECEIPT, CREDIT NOTE
    number: str
    supplier_name: str
    supplier_address: str
    supplier_gstin: str | None
    details: Sequence[tuple[str, str]]  # Number, Date, Billed to, Place of supply, ...
    lines: Sequence[tuple[str, int]]  # description, amount in paise
    subtotals: Sequence[tuple[str, int]]  # taxable value, taxes, not taxable
    total_paise: int
    notes: Sequence[str] = field(default_factory=tuple)


def render(doc: Document) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_title(f"{doc.title} {doc.number}")
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, doc.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="C")

    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, latin1(doc.supplier_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    if doc.supplier_address:
        pdf.cell(0, 5, latin1(doc.supplier_address), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.supplier_gstin:
        pdf.cell(0, 5, f"GSTIN: {doc.supplier_gstin}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    for label, value in doc.details:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(45, 6, label)
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(130, 7, "Description", border=1)
    pdf.cell(0, 7, "Amount", border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    for description, paise in doc.lines:
        pdf.cell(130, 7, latin1(description)[:80], border=1)
        pdf.cell(0, 7, inr(paise), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def total(label: str, paise: int, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(130, 7, label, border=1, align="R")
        pdf.cell(0, 7, inr(paise), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    for label, paise in doc.subtotals:
        total(label, paise)
    total("Total", doc.total_paise, bold=True)
    for note in doc.notes:
        pdf.ln(3)
        pdf.multi_cell(0, 5, latin1(note))
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4, "Computer-generated document; no signature required.")
    return bytes(pdf.output())


def document_responses(schema: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI of a route answering a document as JSON (`schema`) or PDF."""
    return {
        200: {
            "description": "The document",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(403, 404),
    }


def json_or_pdf(
    request: Request, format: str | None, number: str, json: str, pdf: Callable[[], Document]
) -> Response:
    """The PDF when `?format=pdf` or (without `format`) `Accept: application/pdf`, else JSON."""
    wants_pdf = format == "pdf" or (
        format is None and "application/pdf" in request.headers.get("accept", "")
    )
    if wants_pdf:
        filename = number.replace("/", "-") + ".pdf"
        return Response(
            render(pdf()),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    return Response(json, media_type="application/json")
