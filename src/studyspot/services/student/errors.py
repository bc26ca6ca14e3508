"""Errors of the student service, each with a stable code."""

from __future__ import annotations

from studyspot.kit.errors import AppError, Conflict, Forbidden, NotFound


class StudentNotFound(NotFound):
    code = "student_not_found"

    def __init__(self) -> None:
        super().__init__("No such student")


class PhoneTaken(Conflict):
    code = "phone_taken"

    def __init__(self) -> None:
        super().__init__("Another student of this library business already has this phone number")


class BranchForbidden(Forbidden):
    code = "branch_forbidden"

    def __init__(self) -> None:
        super().__init__("You are not assigned to this library branch")


class StudentNotActive(Conflict):
    code = "student_not_active"


class SourceUnavailable(AppError):
    """The answer needs data of a service that is not deployed yet: say so, never guess."""

    status, code = 503, "source_unavailable"


class ImportRejected(AppError):
    """The uploaded file as a whole cannot be read (not a row problem)."""

    status, code = 422, "invalid_import_file"


class ImportTooComplex(AppError):
    """Reading the file hit the reader's CPU, time or memory limit."""

    status, code = 422, "import_too_complex"
