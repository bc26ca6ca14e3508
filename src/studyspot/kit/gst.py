"""GST figures every invoicing service shares: India's financial year and the tax split.

The payment service invoices students for their libraries; the subscription service
invoices tenants for StudySpot itself. Both number invoices per financial year and
split tax as CGST + SGST within a state or IGST across states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def financial_year(day: date) -> str:
    """India's financial year (April to March) of `day`, as `2026-27`."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class TaxSplit:
    taxable_paise: int
    gst_paise: int
    other_paise: int  # not taxed: the refundable security deposit
    cgst_paise: int
    sgst_paise: int
    igst_paise: int

    @property
    def total_paise(self) -> int:
        return self.taxable_paise + self.gst_paise + self.other_paise


def split(taxable: int, gst: int, other: int, *, intra_state: bool) -> TaxSplit:
    """CGST + SGST (the odd paisa to CGST) within a state, IGST across states."""
    if intra_state:
        cgst = (gst + 1) // 2 if gst >= 0 else -((-gst + 1) // 2)
        return TaxSplit(taxable, gst, other, cgst, gst - cgst, 0)
    return TaxSplit(taxable, gst, other, 0, 0, gst)


def is_intra_state(supplier_gstin: str, place_of_supply_code: str) -> bool:
    """The supplier's state is the first two digits of its GSTIN."""
    return supplier_gstin[:2] == place_of_supply_code
