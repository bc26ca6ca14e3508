"""The check-in window rule (kit.shift_windows.open_occurrence) against a brute-force minute model."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from studyspot.kit.shift_windows import MINUTES_PER_DAY, DailyWindow, open_occurrence

EPOCH = date(2026, 3, 1)


def brute_force(
    window: DailyWindow, first: date, last: date, at_minute: int, lead: int
) -> date | None:
    """Walk every booked day; mark each minute from start - lead to the end as that day's."""
    open_days = []
    day = first
    while day <= last:
        base = (day - EPOCH).days * MINUTES_PER_DAY + window.start
        if base - lead <= at_minute < base + window.duration:
            open_days.append(day)
        day += timedelta(days=1)
    return min(open_days) if open_days else None


@st.composite
def windows(draw: st.DrawFn) -> DailyWindow:
    if draw(st.integers(0, 9)) == 0:
        return DailyWindow.full_day()
    start = draw(st.integers(0, MINUTES_PER_DAY - 1))
    end = draw(st.integers(0, MINUTES_PER_DAY).filter(lambda e: e != start))
    return DailyWindow(start, end)


@settings(max_examples=600, deadline=None)
@given(
    window=windows(),
    first_offset=st.integers(0, 3),
    length=st.integers(0, 3),
    at_minute=st.integers(-MINUTES_PER_DAY, 8 * MINUTES_PER_DAY),
    lead=st.integers(0, 180),
)
def test_open_occurrence_matches_the_minute_model(
    window: DailyWindow, first_offset: int, length: int, at_minute: int, lead: int
) -> None:
    first = EPOCH + timedelta(days=first_offset)
    last = first + timedelta(days=length)
    at = datetime.combine(EPOCH, datetime.min.time()) + timedelta(minutes=at_minute)
    got = open_occurrence(window, [(first, last)], at, opens_before_minutes=lead)
    assert got == brute_force(window, first, last, at_minute, lead)


def test_a_night_shift_of_1_march_is_open_at_0130_on_2_march() -> None:
    night = DailyWindow.of("22:00", "06:00")
    at = datetime(2026, 3, 2, 1, 30)
    assert open_occurrence(night, [(date(2026, 3, 1), date(2026, 3, 1))], at) == date(2026, 3, 1)
    assert open_occurrence(night, [(date(2026, 3, 2), date(2026, 3, 5))], at) is None


@settings(max_examples=300, deadline=None)
@given(window=windows(), minute=st.integers(0, MINUTES_PER_DAY - 1))
def test_a_minute_of_the_day_is_in_the_window_as_the_minute_model_says(
    window: DailyWindow, minute: int
) -> None:
    """The library's "is this shift on now" (contains_minute) against the day's minutes
    the window covers, walked one by one from its start (across midnight)."""
    covered = {(window.start + k) % MINUTES_PER_DAY for k in range(window.duration)}
    assert window.contains_minute(minute) == (minute in covered)
