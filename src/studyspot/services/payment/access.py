"""Who is asking, and which payments they may see or touch.

The owner sees the whole tenant; managers and staff only the branches they are
assigned to (from the library service); a student only its own payments.
Anything outside that is answered as if it did not exist (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select

from studyspot.kit.auth import Principal
from studyspot.kit.permissions import UserType
from studyspot.kit.scope import Scope
from studyspot.services.payment.models import Payment

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True)
class Caller(Scope):
    def may_see(self, *, library_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        if self.student_id is not None:
            return student_id == self.student_id
        return self.in_branches(library_id)

    def scope(self, query: S) -> S:
        if self.student_id is not None:
            return query.where(Payment.student_id == self.student_id)
        if self.library_ids is not None:
            return query.where(Payment.library_id.in_(sorted(self.library_ids)))
        return query


def is_student(principal: Principal) -> bool:
    return principal.user_type == UserType.student
