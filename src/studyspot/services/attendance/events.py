"""Payloads of the events the attendance service publishes, one model per topic.

- `attendance.checked_in`, `attendance.checked_out`: the record as the API shows it
  (`schemas.AttendanceRead`).
- `attendance.no_show`: a booked student did not come to a shift occurrence, and the
  seat was released for it (`NoShow`).

Consumers (booking, analytics) read these with models of their own that name only what
they use; tests/test_event_contracts.py checks that each is a part of the producer's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from studyspot.services.attendance.schemas import AttendanceRead

CHECKED_IN = "attendance.checked_in"
CHECKED_OUT = "attendance.checked_out"
NO_SHOW = "attendance.no_show"


class NoShow(BaseModel):
    no_show_id: uuid.UUID
    booking_id: uuid.UUID
    library_id: uuid.UUID
    student_id: uuid.UUID
    shift_id: uuid.UUID | None
    seat_id: uuid.UUID | None
    day: date
    shift_starts_at: datetime


PAYLOADS: dict[str, type[BaseModel]] = {
    CHECKED_IN: AttendanceRead,
    CHECKED_OUT: AttendanceRead,
    NO_SHOW: NoShow,
}
