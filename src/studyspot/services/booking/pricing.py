"""What a booking costs, computed by the server from the fee plan (never taken from a request).

Decisions (pinned by tests):
- The plan price is charged per booking.
- The registration fee and the refundable security deposit are charged once
  per student and library: on a booking when the student has never had a
  booking at that library confirmed (paid) before. Renewals and later
  bookings carry neither; two holds placed before the first payment both
  carry them (only one is ever paid first; the other is a quote).
- GST at the plan's rate applies to the price and the registration fee
  (both services), never to the deposit (refundable money is not a supply).
  `price_includes_tax` applies to both fees: inclusive amounts keep their
  sum exact and the GST is what remains after dividing out the rate;
  exclusive amounts get the GST added. One rounding on the sum, to the
  nearest paisa, halves up — never one rounding per line.
- total = taxable + GST + deposit: what the student owes for this booking.
"""

from __future__ import annotations

from dataclasses import dataclass


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Quote:
    price_paise: int
    registration_fee_paise: int
    security_deposit_paise: int
    gst_rate_bps: int
    price_includes_tax: bool
    taxable_paise: int
    gst_paise: int
    total_paise: int


def quote(
    *,
    price_paise: int,
    registration_fee_paise: int,
    security_deposit_paise: int,
    gst_rate_percent: int,
    price_includes_tax: bool,
) -> Quote:
    if min(price_paise, registration_fee_paise, security_deposit_paise, gst_rate_percent) < 0:
        raise ValueError("amounts and rates are never negative")
    charged = price_paise + registration_fee_paise
    if price_includes_tax:
        taxable = divide_half_up(charged * 100, 100 + gst_rate_percent)
        gst = charged - taxable
    else:
        taxable = charged
        gst = divide_half_up(charged * gst_rate_percent, 100)
    return Quote(
        price_paise=price_paise,
        registration_fee_paise=registration_fee_paise,
        security_deposit_paise=security_deposit_paise,
        gst_rate_bps=gst_rate_percent * 100,
        price_includes_tax=price_includes_tax,
        taxable_paise=taxable,
        gst_paise=gst,
        total_paise=taxable + gst + security_deposit_paise,
    )


def prorate(amount_paise: int, part_days: int, whole_days: int) -> int:
    """`amount` * part / whole, to the nearest paisa (halves away from zero), for any sign."""
    if whole_days <= 0 or part_days < 0:
        raise ValueError("prorate over a positive whole")
    sign = -1 if amount_paise < 0 else 1
    return sign * divide_half_up(abs(amount_paise) * part_days, whole_days)
