"""The conflict rule, end dates and prices: pure functions, checked against brute force."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyspot.services.booking.periods import end_date, hourly_window
from studyspot.services.booking.pricing import prorate, quote
from studyspot.services.booking.rules import (
    MINUTES_PER_DAY,
    DailyWindow,
    Occupancy,
    conflicts,
    fits,
    minus_ranges,
    peak_overlap,
)

EPOCH = date(2026, 1, 1)


def minutes(occupancy: Occupancy) -> set[int]:
    """The brute-force model: every absolute minute the booking holds its place."""
    held: set[int] = set()
    window = occupancy.window
    for first, last in occupancy.ranges:
        day = first
        while day <= last:
            base = (day - EPOCH).days * MINUTES_PER_DAY + window.start
            held.update(range(base, base + window.duration))
            day += timedelta(days=1)
    return held


@st.composite
def windows(draw: st.DrawFn) -> DailyWindow:
    if draw(st.integers(0, 9)) == 0:
        return DailyWindow.full_day()
    start = draw(st.integers(0, MINUTES_PER_DAY - 1))
    end = draw(st.integers(0, MINUTES_PER_DAY).filter(lambda e: e != start))
    return DailyWindow(start, end)


@st.composite
def occupancies(draw: st.DrawFn, max_days: int = 4) -> Occupancy:
    first = EPOCH + timedelta(days=draw(st.integers(0, 6)))
    last = first + timedelta(days=draw(st.integers(0, max_days)))
    window = draw(windows())
    if draw(st.booleans()):
        return Occupancy.of(window, first, last)
    # A pause that gave the seat back: the range with a hole in it.
    hole_start = first + timedelta(days=draw(st.integers(0, max_days)))
    hole_end = hole_start + timedelta(days=draw(st.integers(0, 2)))
    return Occupancy(
        window, minus_ranges(first, last, [(hole_start, hole_end)]) or ((first, first),)
    )


@settings(max_examples=400, deadline=None)
@given(occupancies(), occupancies())
def test_conflict_rule_agrees_with_minute_by_minute_model(a: Occupancy, b: Occupancy) -> None:
    assert conflicts(a, b) == bool(minutes(a) & minutes(b))
    assert conflicts(a, b) == conflicts(b, a)


@settings(max_examples=200, deadline=None)
@given(occupancies(max_days=3), st.lists(occupancies(max_days=3), max_size=6))
def test_peak_overlap_agrees_with_minute_by_minute_count(
    candidate: Occupancy, others: list[Occupancy]
) -> None:
    counts: Counter[int] = Counter()
    for other in others:
        counts.update(minutes(other))
    expected = max((counts[m] for m in minutes(candidate)), default=0)
    assert peak_overlap(candidate, others) == expected
    assert fits(candidate, others, expected + 1)
    assert not fits(candidate, others, expected)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 20),
    st.integers(0, 10),
    st.lists(st.tuples(st.integers(0, 25), st.integers(0, 5)), max_size=4),
)
def test_minus_ranges_removes_exactly_the_holes(
    start: int, length: int, holes: list[tuple[int, int]]
) -> None:
    first = EPOCH + timedelta(days=start)
    last = first + timedelta(days=length)
    gaps = [(EPOCH + timedelta(days=s), EPOCH + timedelta(days=s + n)) for s, n in holes]
    kept = minus_ranges(first, last, gaps)
    days = {first + timedelta(days=i) for i in range(length + 1)}
    removed = {g[0] + timedelta(days=i) for g in gaps for i in range((g[1] - g[0]).days + 1)}
    got = {r[0] + timedelta(days=i) for r in kept for i in range((r[1] - r[0]).days + 1)}
    assert got == days - removed


def occ(start: str, end: str, first: int, last: int, *, full_day: bool = False) -> Occupancy:
    return Occupancy.of(
        DailyWindow.of(start, end, full_day=full_day),
        EPOCH + timedelta(days=first),
        EPOCH + timedelta(days=last),
    )


def test_full_day_overlaps_every_shift() -> None:
    full = occ("00:00", "24:00", 0, 0, full_day=True)
    for start, end in [("06:00", "12:00"), ("22:00", "06:00"), ("23:59", "00:01")]:
        assert conflicts(full, occ(start, end, 0, 0))


def test_night_shift_overlaps_the_next_mornings_early_shift() -> None:
    night = occ("22:00", "06:00", 4, 4)
    assert conflicts(night, occ("05:00", "09:00", 5, 5))
    assert not conflicts(night, occ("05:00", "09:00", 4, 4))
    assert not conflicts(night, occ("06:00", "09:00", 5, 5))


def test_back_to_back_shifts_do_not_overlap() -> None:
    assert not conflicts(occ("06:00", "12:00", 0, 30), occ("12:00", "18:00", 0, 30))
    assert not conflicts(occ("18:00", "00:00", 0, 30), occ("00:00", "06:00", 1, 30))


def test_a_night_booking_reaches_the_morning_after_its_last_day() -> None:
    assert conflicts(occ("22:00", "06:00", 0, 29), occ("05:00", "09:00", 30, 59))


def test_window_contains_a_slot_across_midnight() -> None:
    night = DailyWindow.of("22:00", "06:00")
    assert night.contains_window(hourly_window(23 * 60, 2))
    assert night.contains_window(hourly_window(60, 2))
    assert not night.contains_window(hourly_window(5 * 60, 2))
    assert DailyWindow.full_day().contains_window(hourly_window(23 * 60, 3))


@pytest.mark.parametrize(
    ("start", "unit", "value", "end"),
    [
        (date(2026, 1, 15), "month", 1, date(2026, 2, 14)),
        (date(2026, 1, 28), "month", 1, date(2026, 2, 27)),
        (date(2026, 1, 29), "month", 1, date(2026, 2, 28)),
        (date(2026, 1, 31), "month", 1, date(2026, 2, 28)),
        (date(2028, 1, 31), "month", 1, date(2028, 2, 29)),
        (date(2026, 11, 30), "month", 3, date(2027, 2, 28)),
        (date(2026, 12, 1), "month", 1, date(2026, 12, 31)),
        (date(2026, 3, 10), "day", 30, date(2026, 4, 8)),
        (date(2026, 3, 10), "day", 1, date(2026, 3, 10)),
        (date(2026, 3, 10), "hour", 4, date(2026, 3, 10)),
    ],
)
def test_end_date_follows_the_plan(start: date, unit: str, value: int, end: date) -> None:
    assert end_date(start, unit, value) == end


@given(st.dates(date(2025, 1, 1), date(2030, 12, 31)), st.integers(1, 36))
def test_a_later_start_never_ends_earlier(start: date, months: int) -> None:
    assert end_date(start, "month", months) <= end_date(start + timedelta(days=1), "month", months)
    assert end_date(start, "month", months) >= start


def test_inclusive_price_splits_out_gst_and_keeps_the_total() -> None:
    q = quote(
        price_paise=150_000,
        registration_fee_paise=0,
        security_deposit_paise=0,
        gst_rate_percent=18,
        price_includes_tax=True,
    )
    # 150000 / 1.18 = 127118.64 → 127119
    assert (q.taxable_paise, q.gst_paise, q.total_paise) == (127_119, 22_881, 150_000)


def test_first_booking_adds_taxed_registration_and_untaxed_deposit() -> None:
    q = quote(
        price_paise=150_000,
        registration_fee_paise=50_000,
        security_deposit_paise=100_000,
        gst_rate_percent=18,
        price_includes_tax=True,
    )
    # One rounding on the sum: 200000 / 1.18 = 169491.53 → 169492.
    assert (q.taxable_paise, q.gst_paise, q.total_paise) == (169_492, 30_508, 300_000)
    assert q.gst_rate_bps == 1800


def test_exclusive_price_adds_gst_rounding_halves_up() -> None:
    q = quote(
        price_paise=50,
        registration_fee_paise=0,
        security_deposit_paise=0,
        gst_rate_percent=5,
        price_includes_tax=False,
    )
    assert (q.taxable_paise, q.gst_paise, q.total_paise) == (50, 3, 53)  # 2.5 → 3


def test_prorate_rounds_halves_away_from_zero() -> None:
    assert prorate(100, 1, 8) == 13  # 12.5
    assert prorate(-100, 1, 8) == -13
    assert prorate(30_000, 10, 30) == 10_000
