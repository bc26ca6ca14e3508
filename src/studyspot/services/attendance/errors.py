"""Errors of the attendance service (problem codes are documented in docs/attendance.md)."""

from __future__ import annotations

from studyspot.kit.errors import AppError, Conflict, Forbidden, NotFound, Unauthorized


class InvalidCode(Forbidden):
    """Forged, altered, or another tenant's: said the same way whichever it was."""

    code = "invalid_code"

    def __init__(self) -> None:
        super().__init__("This is not a valid attendance code")


class CodeExpired(AppError):
    status, code = 410, "code_expired"

    def __init__(self) -> None:
        super().__init__("This code has expired; scan the one shown now")


class CodeReplayed(Conflict):
    code = "code_replayed"

    def __init__(self) -> None:
        super().__init__("This code was already used; scan the one shown now")


class NoActiveBooking(Forbidden):
    code = "no_active_booking"

    def __init__(self) -> None:
        super().__init__("No confirmed booking of this library to check in with")


class OutsideShift(Forbidden):
    code = "outside_shift"

    def __init__(self) -> None:
        super().__init__("Check-in is open from shortly before your shift starts until it ends")


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"

    def __init__(self) -> None:
        super().__init__("Already checked in")


class NotCheckedIn(Conflict):
    code = "not_checked_in"

    def __init__(self) -> None:
        super().__init__("Not checked in")


class SeatReleased(Conflict):
    """A no-show gave the place back for the day; the desk decides (manual check-in)."""

    code = "seat_released"

    def __init__(self) -> None:
        super().__init__(
            "Your seat was released for today because you did not check in by the grace "
            "time; ask at the desk"
        )


class LibraryNotFound(NotFound):
    code = "library_not_found"

    def __init__(self) -> None:
        super().__init__("No such library")


class RecordNotFound(NotFound):
    code = "attendance_not_found"

    def __init__(self) -> None:
        super().__init__("No such attendance record")


class DeviceNotFound(NotFound):
    code = "display_device_not_found"

    def __init__(self) -> None:
        super().__init__("No such display device")


class InvalidDisplayKey(Unauthorized):
    code = "invalid_display_key"

    def __init__(self) -> None:
        super().__init__("The display key is invalid or was revoked")
