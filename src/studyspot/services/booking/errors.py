"""Errors of the booking service, each with a stable code."""

from __future__ import annotations

from studyspot.kit.errors import Conflict, FieldProblem, NotFound, Unprocessable


def _field(field: str, message: str) -> list[FieldProblem]:
    return [FieldProblem(field=field, message=message)]


# --- 404: unknown here, or another tenant's, or a branch the caller does not work at ---------


class BookingNotFound(NotFound):
    code = "booking_not_found"

    def __init__(self) -> None:
        super().__init__("No such booking")


class WaitlistEntryNotFound(NotFound):
    code = "waitlist_entry_not_found"

    def __init__(self) -> None:
        super().__init__("No such waitlist entry")


class LibraryNotFound(NotFound):
    code = "library_not_found"

    def __init__(self) -> None:
        super().__init__("No such library")


class StudentNotFound(NotFound):
    code = "student_not_found"

    def __init__(self) -> None:
        super().__init__("No such student")


class SeatNotFound(NotFound):
    code = "seat_not_found"

    def __init__(self) -> None:
        super().__init__("No such seat in this library")


class ShiftNotFound(NotFound):
    code = "shift_not_found"

    def __init__(self) -> None:
        super().__init__("No such shift in this library")


class FeePlanNotFound(NotFound):
    code = "fee_plan_not_found"

    def __init__(self) -> None:
        super().__init__("No such fee plan")


# --- 422: the request cannot be sold as asked ------------------------------------------------


class BookingRefused(Unprocessable):
    """A booking request that breaks a rule of the library, plan or student (not a race)."""

    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail, code=code, errors=_field(field, detail) if field else ())


def seat_under_maintenance() -> BookingRefused:
    return BookingRefused(
        "seat_under_maintenance", "This seat is under maintenance", "body.seat_id"
    )


def fee_plan_inactive() -> BookingRefused:
    return BookingRefused(
        "fee_plan_inactive", "This fee plan is no longer sold", "body.fee_plan_id"
    )


def student_suspended() -> BookingRefused:
    return BookingRefused("student_suspended", "This student is suspended", "body.student_id")


def student_not_active() -> BookingRefused:
    return BookingRefused("student_not_active", "Only active students can book", "body.student_id")


def library_closed() -> BookingRefused:
    return BookingRefused("library_closed", "This library is closed", "body.library_id")


# --- 409: the state of the world refuses it (a race lost, a rule of time) -------------------


class SeatUnavailable(Conflict):
    code = "seat_unavailable"

    def __init__(self, detail: str = "This seat is already booked or held for that time") -> None:
        super().__init__(detail)


class OverlappingBooking(Conflict):
    code = "overlapping_booking"

    def __init__(self) -> None:
        super().__init__(
            "The student already has a booking at this library for an overlapping time"
        )


class HoldExpired(Conflict):
    code = "hold_expired"

    def __init__(self) -> None:
        super().__init__("The hold on this booking expired before it was confirmed")


class BookingNotPending(Conflict):
    code = "booking_not_pending"

    def __init__(self, status: str) -> None:
        super().__init__(f"Only a booking awaiting payment can be confirmed; this one is {status}")


class BookingStateConflict(Conflict):
    """A change that the booking's current status does not allow."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail, code=code)


class SeatsAvailable(Conflict):
    code = "seats_available"

    def __init__(self) -> None:
        super().__init__("A place is free for this time: book it instead of waiting")


class AlreadyWaiting(Conflict):
    code = "already_waiting"

    def __init__(self) -> None:
        super().__init__("The student is already on the waitlist for this library and time")
