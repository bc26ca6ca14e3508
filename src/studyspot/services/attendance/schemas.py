"""Request and response models of the attendance API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.services.attendance.codes import MAX_CODE_LENGTH

Method = Literal["door", "scan", "manual", "auto"]
RegisterStatus = Literal["expected", "present", "late", "checked_out", "absent", "released"]
MAX_SCANS = 1000
MAX_EXPORT_DAYS = 92
REASON = Field(min_length=3, max_length=500, description="Why (kept in the audit log)")


class CodeIn(WriteModel):
    code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH, description="The code as read")


class DisplayCode(ReadModel):
    """What the door tablet shows: put `check_in_url` in the QR, ask again by `refresh_at`."""

    library_id: uuid.UUID
    code: str
    step: int = Field(description="Time step (Unix time // 30 s) the code was made for")
    check_in_url: str = Field(description="The check-in page with the code in its fragment")
    refresh_at: datetime = Field(description="When the next step starts: fetch a new code then")
    expires_at: datetime = Field(description="When this code stops being accepted (60 s at most)")


class StudentCode(ReadModel):
    """The student's own rotating code, shown on its phone for staff to scan."""

    code: str
    step: int
    refresh_at: datetime
    expires_at: datetime


class AttendanceRead(ReadModel):
    id: uuid.UUID
    library_id: uuid.UUID
    student_id: uuid.UUID
    booking_id: uuid.UUID
    shift_id: uuid.UUID | None
    seat_id: uuid.UUID | None
    seat_label: str | None
    day: date = Field(description="Local date the shift occurrence started")
    shift_starts_at: datetime
    shift_ends_at: datetime
    checked_in_at: datetime
    check_in_method: Method
    late: bool
    checked_out_at: datetime | None
    check_out_method: Method | None
    minutes_present: int | None = Field(
        ge=0, description="Minutes between check-in and check-out (all visits); null while in"
    )
    corrected: bool


class ManualCheck(WriteModel):
    library_id: uuid.UUID
    student_id: uuid.UUID
    reason: str = REASON


class Correction(WriteModel):
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    reason: str = REASON


class Scan(WriteModel):
    code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH)
    scanned_at: datetime | None = Field(
        default=None,
        description="When the staff device read it (offline queue); default: now. At most "
        "24 hours ago and not in the future",
    )


class ScanBatch(WriteModel):
    library_id: uuid.UUID
    scans: list[Scan] = Field(min_length=1, max_length=MAX_SCANS)


ScanStatus = Literal["checked_in", "duplicate", "refused"]


class ScanOutcome(ReadModel):
    index: int = Field(ge=0, description="Position in the uploaded list")
    status: ScanStatus
    code: str | None = Field(description="The problem code when refused")
    attendance_id: uuid.UUID | None
    student_id: uuid.UUID | None


class ScanResult(ReadModel):
    checked_in: int = Field(ge=0)
    duplicates: int = Field(ge=0, description="Already uploaded (same student and step)")
    refused: int = Field(ge=0)
    outcomes: list[ScanOutcome]


class RegisterEntry(ReadModel):
    booking_id: uuid.UUID
    student_id: uuid.UUID
    shift_id: uuid.UUID | None
    seat_id: uuid.UUID | None
    seat_label: str | None
    seat_assignment: Literal["reserved", "floating"]
    shift_starts_at: datetime
    shift_ends_at: datetime
    status: RegisterStatus = Field(
        description="expected: not started (or within grace); present / late: checked in; "
        "checked_out; absent: not in after the grace; released: a recorded no-show"
    )
    attendance: AttendanceRead | None


class Register(ReadModel):
    library_id: uuid.UUID
    day: date
    items: list[RegisterEntry]


class ShiftSummary(ReadModel):
    shift_id: uuid.UUID | None = Field(description="Null: full-day bookings without a shift")
    booked: int = Field(ge=0)
    present: int = Field(ge=0, description="Checked in now, on time")
    late: int = Field(ge=0, description="Checked in now, late")
    checked_out: int = Field(ge=0)
    absent: int = Field(ge=0, description="Absent after the grace, a no-show included")
    expected: int = Field(ge=0)
    released: int = Field(ge=0, description="Of `absent`, seats given back for the day")


class Summary(ReadModel):
    library_id: uuid.UUID
    day: date
    shifts: list[ShiftSummary]


class SettingsRead(ReadModel):
    library_id: uuid.UUID
    opens_before_minutes: int
    no_show_grace_minutes: int
    late_after_minutes: int
    checkout_grace_minutes: int


class SettingsUpdate(WriteModel):
    opens_before_minutes: int = Field(
        default=15, ge=0, le=180, description="Check-in opens this long before a shift starts"
    )
    no_show_grace_minutes: int = Field(
        default=30, ge=5, le=720, description="Not in by start + this: the seat is released"
    )
    late_after_minutes: int = Field(
        default=10, ge=0, le=720, description="Checked in after start + this: late"
    )
    checkout_grace_minutes: int = Field(
        default=30, ge=0, le=720, description="Still in at end + this: checked out automatically"
    )


class DeviceCreate(WriteModel):
    library_id: uuid.UUID
    name: str = Field(min_length=1, max_length=60)


class DeviceRead(ReadModel):
    id: uuid.UUID
    library_id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class DeviceCreated(DeviceRead):
    display_key: str = Field(
        description="Send as `X-Display-Key`. Shown once; it reads only this library's code"
    )


class NoShowRead(ReadModel):
    id: uuid.UUID
    library_id: uuid.UUID
    student_id: uuid.UUID
    booking_id: uuid.UUID
    shift_id: uuid.UUID | None
    seat_id: uuid.UUID | None
    day: date
    shift_starts_at: datetime
    recorded_at: datetime
