"""A broadcast's audience chosen by library, shift, booking status or dues.

Each answer comes from the service that owns it, through its internal API, and
all of them are asked before any unit of work opens:

| choice | asked of | who |
|---|---|---|
| a library alone (or none: every branch the caller may see) | student, `GET /internal/students` | active students whose home library it is |
| `booking: active` | booking, `GET /internal/bookings/attendance` (week by week over `from_date`..`to_date`, default today, India) | students whose confirmed or active booking holds a place on some day of the range (at that library): one starting next week is in a broadcast about next week |
| `shift_id` | the same | of those, the ones booked in that shift, or on a full-day plan (which sits through every shift) |
| `booking: expiring`, `expiring_within_days` N | booking, `GET /internal/bookings/expiring` | students whose paid booking ends within N days (library's date) and who have not renewed |
| `with_dues` | payment, `GET /internal/dues/students` | students with money still to pay on an open due |

Several choices narrow each other (students in all of them). Branch staff choose
among their branches only (another branch: 404 `library_not_found`); students of
other branches, erased ones and those no longer active are left out. Limits, checked
before anything is priced, reserved or written: at most `MAX_AUDIENCE` students
(422 `audience_too_large`), `expiring_within_days` 0 to `MAX_EXPIRING_DAYS`, the date
range from today on and at most `MAX_AUDIENCE_DAYS` days (422 `audience_dates_invalid`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from studyspot.kit.errors import NotFound, Unprocessable
from studyspot.services.message.access import Viewer
from studyspot.services.message.upstream import (
    BookingClient,
    InternalStudent,
    PaymentClient,
    StudentClient,
)

MAX_AUDIENCE = 500
MAX_EXPIRING_DAYS = 90
MAX_AUDIENCE_DAYS = 31
# The booking service answers for at most this many days a call.
_BOOKING_DAYS_A_CALL = 7
BookingStatus = Literal["active", "expiring"]


class AudienceTooLarge(Unprocessable):
    code = "audience_too_large"


class LibraryNotFound(NotFound):
    code = "library_not_found"


class AudienceDatesInvalid(Unprocessable):
    code = "audience_dates_invalid"


@dataclass(frozen=True)
class Audience:
    library_id: uuid.UUID | None = None
    shift_id: uuid.UUID | None = None
    booking: BookingStatus | None = None
    expiring_within_days: int | None = None
    with_dues: bool = False
    from_date: date | None = None
    to_date: date | None = None

    def dates(self, today: date) -> tuple[date, date]:
        """The days a booking must touch: [from_date, to_date], by default today alone;
        422 for a range that began before `today` or is longer than MAX_AUDIENCE_DAYS."""
        first = self.from_date or today
        last = self.to_date or first
        if first < today:
            raise AudienceDatesInvalid(
                "from_date is the library's today or later",
                errors=[{"field": "body.audience.from_date", "message": "before today"}],
            )
        if not first <= last < first + timedelta(days=MAX_AUDIENCE_DAYS):
            raise AudienceDatesInvalid(
                f"to_date is on or after from_date, at most {MAX_AUDIENCE_DAYS} days in all",
                errors=[{"field": "body.audience.to_date", "message": "out of range"}],
            )
        return first, last


@dataclass(frozen=True)
class Upstreams:
    students: StudentClient
    bookings: BookingClient
    payments: PaymentClient


def _too_large(count: int) -> AudienceTooLarge:
    return AudienceTooLarge(
        f"This audience has {count} students; a broadcast reaches at most {MAX_AUDIENCE}. "
        "Choose a library, shift, booking status or dues to narrow it.",
        errors=[{"field": "body.audience", "message": f"more than {MAX_AUDIENCE} students"}],
    )


async def _held_on(
    up: Upstreams,
    viewer: Viewer,
    branches: list[uuid.UUID | None],
    shift_id: uuid.UUID | None,
    days: tuple[date, date],
) -> set[uuid.UUID]:
    """Students whose confirmed or active booking (of `shift_id`, or full day) holds a
    place on some day of `days`, asked a week at a time (the booking service's limit)."""
    first, last = days
    found: set[uuid.UUID] = set()
    while first <= last:
        upto = min(last, first + timedelta(days=_BOOKING_DAYS_A_CALL - 1))
        for branch in branches:
            for booking in await up.bookings.attendance_bookings(
                viewer.tenant_id, first, upto, library_id=branch
            ):
                if shift_id is None or booking.shift_id in (shift_id, None):
                    found.add(booking.student_id)
        first = upto + timedelta(days=1)
    return found


async def choose(
    viewer: Viewer, audience: Audience, up: Upstreams, today: date
) -> dict[uuid.UUID, InternalStudent | None]:
    """The students of `audience` the viewer may reach, by id (asked with no transaction
    open); `today` is India's date (every library keeps Asia/Kolkata). Raises before any
    work when the audience is too large."""
    tenant_id = viewer.tenant_id
    dates = audience.dates(today)
    if audience.library_id is not None:
        if not viewer.in_branches(audience.library_id):
            raise LibraryNotFound("No such library")
        libraries: list[uuid.UUID] | None = [audience.library_id]
    else:
        libraries = None if viewer.library_ids is None else sorted(viewer.library_ids)
    if libraries == []:
        return {}
    branches: list[uuid.UUID | None] = list(libraries) if libraries is not None else [None]

    chosen: list[set[uuid.UUID]] = []
    if audience.booking == "active" or audience.shift_id is not None:
        chosen.append(await _held_on(up, viewer, branches, audience.shift_id, dates))
    if audience.booking == "expiring":
        days = audience.expiring_within_days or 0
        expiring: set[uuid.UUID] = set()
        for branch in branches:
            answer = await up.bookings.expiring_students(tenant_id, days, library_id=branch)
            expiring.update(answer.student_ids)
        chosen.append(expiring)
    if audience.with_dues:
        owing: set[uuid.UUID] = set()
        for branch in branches:
            owing.update((await up.payments.students_with_dues(tenant_id, branch)).student_ids)
        chosen.append(owing)

    if not chosen:
        listed = await up.students.active_students(tenant_id, libraries, limit=MAX_AUDIENCE + 1)
        if listed.total > MAX_AUDIENCE:
            raise _too_large(listed.total)
        found: dict[uuid.UUID, InternalStudent | None] = {s.id: s for s in listed.items}
    else:
        ids = set.intersection(*chosen)
        if len(ids) > MAX_AUDIENCE:
            raise _too_large(len(ids))
        found = {sid: await up.students.get_student(tenant_id, sid) for sid in sorted(ids)}
    return {
        sid: s
        for sid, s in found.items()
        if viewer.can_see(s) and s is not None and s.status == "active" and not s.erased
    }
