"""Billing periods and proration, as pure functions (tests/subscription/test_proration.py).

Periods are calendar months from the start instant (a month from 31 January ends on the
last day of February). Proration of an upgrade: the unused part of the period is
credited at the old price and charged at the new one, each share rounded half up to the
paisa on its own, so the quote shows two amounts that add up to what is due.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

# A quote is honoured this long: the owner reads it and confirms, and is charged what was
# shown rather than a paisa less for the seconds that passed (409 quote_changed otherwise).
QUOTE_HOLDS_MINUTES = 15
MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "annual": 12}
MONTHLY_EQUIVALENT = MONTHS  # a cycle's price divided by this is its monthly revenue


def prorated_as_of(quoted_at: datetime | None, now: datetime) -> datetime:
    """The moment an upgrade is prorated for: its quote's, while the quote holds."""
    if quoted_at is not None and now - timedelta(minutes=QUOTE_HOLDS_MINUTES) <= quoted_at <= now:
        return quoted_at
    return now


def add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(start: datetime, cycle: str) -> datetime:
    return add_months(start, MONTHS[cycle])


def round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)).__floor__())


@dataclass(frozen=True)
class Proration:
    period_seconds: int
    remaining_seconds: int
    credit_paise: int  # the old plan's unused share
    charge_paise: int  # the new plan's share of the same time
    amount_due_paise: int


def prorate(
    old_price: int, new_price: int, start: datetime, end: datetime, now: datetime
) -> Proration:
    total = int((end - start).total_seconds())
    remaining = max(0, min(total, int((end - now) // timedelta(seconds=1))))
    share = Fraction(remaining, total) if total else Fraction(0)
    credit = round_half_up(old_price * share)
    charge = round_half_up(new_price * share)
    return Proration(total, remaining, credit, charge, max(0, charge - credit))
