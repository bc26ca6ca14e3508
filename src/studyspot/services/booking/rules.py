"""The conflict rule, pure: when do two bookings want the same place at the same time?

A booking occupies, on every day d of its date range, the local window
[d + start, d + end). A window whose end is not after its start crosses
midnight and ends on d + 1 (22:00-06:00 of the 5th runs until 06:00 of the
6th); a full day is [00:00, 24:00). Two bookings of one seat conflict when any
of their windows intersect (end excluded, so 06:00-12:00 and 12:00-18:00 do
not).

To compare bookings without walking their days, each one is cut into
*segments*: a range of calendar days times one range of minutes inside a
calendar day. A plain window is one segment; a window across midnight is two
(the evening part on its days, the morning part on the days after). Two
occupancies intersect exactly when one segment of each overlaps the other in
days and in minutes. The same segments give the peak number of bookings at
any minute of a candidate's time (`peak_overlap`), which is how floating
places are counted against a library's capacity.

Tests check all of this against a brute-force minute-by-minute model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import NamedTuple

# The shift window is defined once, in the kit, for every service (the attendance service
# opens check-in by it); re-exported here because the conflict rule is written in it.
from studyspot.kit.shift_windows import MINUTES_PER_DAY as MINUTES_PER_DAY
from studyspot.kit.shift_windows import DailyWindow as DailyWindow
from studyspot.kit.shift_windows import hhmm as hhmm
from studyspot.kit.shift_windows import minutes_of as minutes_of

ONE_DAY = timedelta(days=1)


class Segment(NamedTuple):
    """Minutes [start, end) of every calendar day from `first` to `last` (inclusive).

    Days are proleptic ordinals (`date.toordinal()`): the rule runs on plain
    integers because availability checks thousands of pairs per request.
    """

    first: int
    last: int
    start: int
    end: int


class Occupancy:
    """When a booking holds its place: a daily window over one or more date ranges.

    A booking has one range; a pause that gave the seat back splits it in two.
    """

    __slots__ = ("ranges", "segments", "window")

    def __init__(self, window: DailyWindow, ranges: tuple[tuple[date, date], ...]) -> None:
        self.window = window
        self.ranges = ranges
        parts = window.parts()
        self.segments: tuple[Segment, ...] = tuple(
            Segment(first.toordinal() + offset, last.toordinal() + offset, start, end)
            for first, last in ranges
            if first <= last
            for offset, start, end in parts
        )

    @classmethod
    def of(cls, window: DailyWindow, first: date, last: date) -> Occupancy:
        return cls(window, ((first, last),))

    def __repr__(self) -> str:
        return f"Occupancy({self.window!r}, {self.ranges!r})"


def conflicts(a: Occupancy, b: Occupancy) -> bool:
    """True when the two occupancies share at least one minute."""
    for x in a.segments:
        for y in b.segments:
            if x[0] <= y[1] and y[0] <= x[1] and x[2] < y[3] and y[2] < x[3]:
                return True
    return False


def peak_overlap(candidate: Occupancy, others: Sequence[Occupancy]) -> int:
    """The largest number of `others` present at the same minute during `candidate`'s time.

    Per candidate segment: clip the others' segments to it (rectangles of days
    by minutes), cut its minutes into elementary slots at every boundary, then
    sweep the days once, keeping a count per slot. Cost grows with the number
    of others (and a handful of slots), not with the number of days.
    """
    # Bookings sold alike (same days, same shift) are often one shared object: weigh, not repeat.
    weight_of: Counter[int] = Counter(id(o) for o in others)
    distinct = {id(o): o for o in others}
    peak = 0
    for own in candidate.segments:
        o_first, o_last, o_start, o_end = own
        clipped: Counter[tuple[int, int, int, int]] = Counter()
        bounds = {o_start, o_end}
        for key, other in distinct.items():
            for seg in other.segments:
                if seg[0] <= o_last and o_first <= seg[1] and seg[2] < o_end and o_start < seg[3]:
                    lo, hi = max(seg[2], o_start), min(seg[3], o_end)
                    clipped[(max(seg[0], o_first), min(seg[1], o_last), lo, hi)] += weight_of[key]
                    bounds.add(lo)
                    bounds.add(hi)
        if not clipped:
            continue
        edges = sorted(bounds)
        slot_of = {minute: i for i, minute in enumerate(edges)}
        events: list[tuple[int, int, int, int]] = []
        for (first, last, lo, hi), weight in clipped.items():
            events.append((first, weight, slot_of[lo], slot_of[hi]))
            events.append((last + 1, -weight, slot_of[lo], slot_of[hi]))
        # Ends sort before starts on the same day: [a, b] and [b+1, c] never stack.
        events.sort()
        level = [0] * len(edges)
        i = 0
        while i < len(events):
            day = events[i][0]
            while i < len(events) and events[i][0] == day:
                _, step, lo_slot, hi_slot = events[i]
                for slot in range(lo_slot, hi_slot):
                    level[slot] += step
                i += 1
            peak = max(peak, max(level))
    return peak


def fits(candidate: Occupancy, others: Sequence[Occupancy], capacity: int) -> bool:
    """Whether one more booking like `candidate` fits among `others` in `capacity` places."""
    return capacity > 0 and peak_overlap(candidate, others) + 1 <= capacity


def minus_ranges(
    first: date, last: date, holes: Iterable[tuple[date, date]]
) -> tuple[tuple[date, date], ...]:
    """[first, last] without the given inclusive ranges (a paused seat given back)."""
    pieces = [(first, last)]
    for h_first, h_last in sorted(holes):
        nxt: list[tuple[date, date]] = []
        for p_first, p_last in pieces:
            if h_last < p_first or h_first > p_last:
                nxt.append((p_first, p_last))
                continue
            if p_first < h_first:
                nxt.append((p_first, h_first - ONE_DAY))
            if h_last < p_last:
                nxt.append((h_last + ONE_DAY, p_last))
        pieces = nxt
    return tuple(pieces)
