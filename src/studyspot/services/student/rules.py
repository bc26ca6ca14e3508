"""Rules that span several fields of a student, shared by create, update and import."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from studyspot.kit.errors import FieldProblem
from studyspot.services.student.id_proofs import IdProofType, normalise_id_proof

INDIA = ZoneInfo("Asia/Kolkata")
ADULT_AGE = 18


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_student(values: dict[str, Any], today: date, prefix: str = "body.") -> list[FieldProblem]:
    """Check the merged values of a student in place; normalises the ID proof number.

    `values` holds every stored field after the change, so an update that
    clears the guardian of a minor fails just like a create without one.
    """
    problems: list[FieldProblem] = []

    def fail(field: str, message: str) -> None:
        problems.append(FieldProblem(field=prefix + field, message=message))

    born: date | None = values.get("date_of_birth")
    if born is not None:
        if born > today:
            fail("date_of_birth", "cannot be in the future")
        elif age_on(born, today) < ADULT_AGE:
            for field in ("guardian_name", "guardian_phone"):
                if not values.get(field):
                    fail(field, "required for a student under 18")

    kind = values.get("id_proof_type")
    number = values.get("id_proof_number")
    if kind is None and number is not None:
        fail("id_proof_type", "required when an ID proof number is given")
    elif kind is not None and number is None:
        fail("id_proof_number", "required when an ID proof type is given")
    elif kind is not None and number is not None:
        try:
            values["id_proof_number"] = normalise_id_proof(IdProofType(kind), number)
        except ValueError as exc:
            fail("id_proof_number", str(exc))
    return problems
