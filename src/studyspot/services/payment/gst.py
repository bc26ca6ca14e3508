"""GST arithmetic for invoices: pure functions over integer paise.

The booking service computes a booking's tax once (`taxable_paise`,
`gst_paise`); an invoice splits that figure, it never recomputes it from a
rate, so the invoice and the booking agree to the paisa. A partial payment
takes its share by cumulative allocation (share of everything paid so far,
minus the share already invoiced), so that the invoices of all the partial
payments of a booking add up exactly to the booking's figures.
"""

from __future__ import annotations

from studyspot.kit.gst import TaxSplit, financial_year, is_intra_state, split

__all__ = ["TaxSplit", "allocate", "financial_year", "is_intra_state", "split"]


def _share(part: int, numerator: int, denominator: int) -> int:
    """round_half_up(part * numerator / denominator) in integers."""
    if denominator == 0:
        return 0
    return (2 * part * numerator + denominator) // (2 * denominator)


def allocate(
    *,
    amount_paise: int,
    paid_before_paise: int,
    booking_total_paise: int,
    booking_taxable_paise: int,
    booking_gst_paise: int,
    intra_state: bool,
) -> TaxSplit:
    """The taxable value and tax inside a payment of `amount_paise` towards one booking.

    Payments beyond the booking total (an overpayment) carry no tax: the
    cumulative share is capped at the booking's own figures.
    """
    total = max(booking_total_paise, 1)

    def cumulative(paid: int) -> tuple[int, int]:
        paid = min(max(paid, 0), booking_total_paise)
        return (
            _share(booking_taxable_paise, paid, total),
            _share(booking_gst_paise, paid, total),
        )

    taxable_before, gst_before = cumulative(paid_before_paise)
    taxable_after, gst_after = cumulative(paid_before_paise + amount_paise)
    taxable = taxable_after - taxable_before
    gst = gst_after - gst_before
    other = amount_paise - taxable - gst
    return split(taxable, gst, other, intra_state=intra_state)
