"""Errors of the library service, each with a stable code."""

from __future__ import annotations

from collections.abc import Sequence

from studyspot.kit.errors import Conflict, FieldProblem, Forbidden, NotFound


class LibraryNotFound(NotFound):
    code = "library_not_found"

    def __init__(self) -> None:
        super().__init__("No such library")


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


class StaffNotFound(NotFound):
    code = "staff_not_found"

    def __init__(self) -> None:
        super().__init__("No such staff member")


class BranchForbidden(Forbidden):
    code = "branch_forbidden"

    def __init__(self, detail: str = "You are not assigned to this library branch") -> None:
        super().__init__(detail)


class StaffSideOnly(Forbidden):
    code = "permission_denied"

    def __init__(self) -> None:
        super().__init__("Only the library's owner and staff can see this")


class CountLimitReached(Conflict):
    code = "count_limit_reached"

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"At most {limit} {what}: remove one before adding another")


class LibraryNameTaken(Conflict):
    code = "library_name_taken"

    def __init__(self) -> None:
        super().__init__("Another library of this business already has this name")


class LibraryInUse(Conflict):
    code = "library_in_use"

    def __init__(self) -> None:
        super().__init__(
            "Fee plans of this library have been sold; close the library instead of deleting it"
        )


class SeatLabelTaken(Conflict):
    code = "seat_label_taken"

    def __init__(self, labels: Sequence[str]) -> None:
        shown = ", ".join(labels[:20]) + (", …" if len(labels) > 20 else "")
        super().__init__(
            f"These seat labels already exist in this library: {shown}",
            errors=[
                FieldProblem(field="body.label", message=f"{label} already exists")
                for label in labels[:100]
            ],
        )


class SeatPositionTaken(Conflict):
    code = "seat_position_taken"

    def __init__(self) -> None:
        super().__init__("Another seat of this library is at this row and column")


class ShiftNameTaken(Conflict):
    code = "shift_name_taken"

    def __init__(self) -> None:
        super().__init__("This library already has a shift with this name")


class ShiftInUse(Conflict):
    code = "shift_in_use"

    def __init__(self) -> None:
        super().__init__("Fee plans cover this shift; change or delete those plans first")


class FeePlanInUse(Conflict):
    code = "fee_plan_in_use"

    def __init__(self) -> None:
        super().__init__("This fee plan has been sold; deactivate it instead of deleting it")


class StaffLoginTaken(Conflict):
    code = "staff_login_taken"

    def __init__(self, field: str) -> None:
        super().__init__(f"Another staff member of this business already has this {field}")


class StaffInactive(Conflict):
    code = "staff_inactive"

    def __init__(self) -> None:
        super().__init__("This staff member is deactivated; activate them first")
