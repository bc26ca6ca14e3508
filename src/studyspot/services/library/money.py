"""A fee plan's price split into taxable value and GST, in integer paise."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PriceBreakup(BaseModel):
    taxable_value_paise: int = Field(ge=0, description="The price without GST")
    gst_paise: int = Field(ge=0)
    total_paise: int = Field(ge=0, description="What the student pays for the plan itself")


def _divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest paisa, halves up (non-negative values)."""
    return (2 * numerator + denominator) // (2 * denominator)


def price_breakup(price_paise: int, gst_rate_percent: int, includes_tax: bool) -> PriceBreakup:
    """Split or add GST. Inclusive prices keep the total exact; the GST is what remains."""
    if includes_tax:
        taxable = _divide_half_up(price_paise * 100, 100 + gst_rate_percent)
        return PriceBreakup(
            taxable_value_paise=taxable, gst_paise=price_paise - taxable, total_paise=price_paise
        )
    gst = _divide_half_up(price_paise * gst_rate_percent, 100)
    return PriceBreakup(
        taxable_value_paise=price_paise, gst_paise=gst, total_paise=price_paise + gst
    )
