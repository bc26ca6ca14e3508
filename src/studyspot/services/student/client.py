"""The student service's client: the only module other services import.

It also holds the contract types of the internal API (docs/internal-api.md),
so caller and callee validate the same shapes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.service_client import ServiceClient

StudentStatus = Literal["active", "inactive", "suspended", "alumni"]

# Event: what an admission form, a change at the desk or an import said about message
# consent. The student service keeps none of it; the message service records it.
CONSENT_TOPIC = "student.consent_recorded"


class ForwardedConsent(BaseModel):
    student_id: uuid.UUID
    whatsapp: bool
    sms: bool
    email: bool


class StudentConsentRecorded(BaseModel):
    """The payload of `student.consent_recorded` (at most 500 students per event)."""

    students: list[ForwardedConsent] = Field(max_length=500)
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    recorded_by_type: str = Field(max_length=32)


# Event: a student admitted at the desk (the admission form), for the message service to
# tell the branch's owners and staff. An import announces nothing per student.
ADMITTED_TOPIC = "student.admitted"


class StudentAdmitted(BaseModel):
    """The payload of `student.admitted`, written in the admitting transaction."""

    student_id: uuid.UUID
    home_library_id: uuid.UUID
    name: str = Field(max_length=120)
    enrollment_number: str = Field(max_length=16)
    admitted_at: datetime
    admitted_by: uuid.UUID | None


# Event: a student under 18 whose message consent is the guardian's to give: admitted, the
# guardian's phone or e-mail (or the date of birth) changed, or the desk recorded their
# message consent. The message service sends the guardian a consent request.
GUARDIAN_CONSENT_TOPIC = "student.guardian_consent_needed"
GuardianConsentReason = Literal["admitted", "guardian_changed", "consent_recorded"]


class GuardianConsentNeeded(BaseModel):
    """The payload of `student.guardian_consent_needed`, written in the admitting (or
    changing) transaction; at most one per student and transaction."""

    student_id: uuid.UUID
    student_name: str = Field(max_length=120)
    guardian_name: str | None = Field(default=None, max_length=120)
    guardian_phone: str | None = Field(
        default=None, pattern=r"^\+91[6-9]\d{9}$", examples=["+919876543210"]
    )
    guardian_email: str | None = Field(default=None, max_length=254)
    reason: GuardianConsentReason
    requested_at: datetime
    requested_by: uuid.UUID | None


class InternalStudent(BaseModel):
    """A student as other services see it. Erased students keep their id and number only."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str = Field(max_length=120)
    email: str | None = Field(max_length=254)
    phone: str | None = Field(pattern=r"^\+91[6-9]\d{9}$")
    status: StudentStatus
    enrollment_number: str = Field(max_length=16)
    home_library_id: uuid.UUID
    erased: bool
    # Under 18 today (India): messages go to the guardian, never promotional ones.
    minor: bool = False
    guardian_phone: str | None = Field(default=None, pattern=r"^\+91[6-9]\d{9}$")
    # A minor's e-mail goes here (absent from a student service that predates it).
    guardian_email: str | None = Field(default=None, max_length=254)


# The most students `GET /internal/students` answers at once.
MAX_STUDENT_LIST = 1000


class InternalStudentList(BaseModel):
    """Answer of `GET /internal/students`: active, live students of the branches asked for."""

    items: list[InternalStudent]
    total: int = Field(ge=0, description="All that match, however many `limit` let through")


class InternalStudentUpdate(BaseModel):
    """Body of `PATCH /internal/students/{id}`: the student's own profile edit.

    `phone` is any spelling of an Indian mobile number; the student service
    normalises it to +91XXXXXXXXXX (422 otherwise, 409 `phone_taken`).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Constraints on the string, not on the union: there an explicit null is a TypeError.
    name: (
        Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")]
        | SkipJsonSchema[None]
    ) = None
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: Annotated[str, Field(min_length=10, max_length=20)] | SkipJsonSchema[None] = None


class StudentClient(ServiceClient):
    service = "student"

    async def get_student(
        self, tenant_id: uuid.UUID, student_id: uuid.UUID, *, shared: bool = False
    ) -> InternalStudent | None:
        """The student, or None when this tenant has no such student (`shared`: see
        `ServiceClient.call`)."""
        reply = await self.call(
            "GET",
            f"/internal/students/{student_id}",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
            shared=shared,
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return InternalStudent.model_validate(reply.json())

    async def update_student(
        self,
        tenant_id: uuid.UUID,
        student_id: uuid.UUID,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        clear_email: bool = False,
    ) -> InternalStudent:
        """Change the fields given (`clear_email` removes the email); AppError 404/409/422 passes through.

        This does not touch the student's login: the caller (the auth service)
        keeps its own credential in step.
        """
        body: dict[str, str | None] = {}
        if name is not None:
            body["name"] = name
        if phone is not None:
            body["phone"] = phone
        if email is not None or clear_email:
            body["email"] = email
        reply = await self.call(
            "PATCH",
            f"/internal/students/{student_id}",
            params={"tenant_id": str(tenant_id)},
            json=body,
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return InternalStudent.model_validate(reply.json())

    async def active_students(
        self, tenant_id: uuid.UUID, library_ids: list[uuid.UUID] | None, *, limit: int
    ) -> InternalStudentList:
        """Active, not erased students whose home library is one of `library_ids` (None:
        every branch), in id order, at most `limit` of them and how many match."""
        params = {"tenant_id": str(tenant_id), "limit": str(limit)}
        if library_ids is not None:
            params["library_ids"] = ",".join(str(i) for i in library_ids)
        reply = await self.call("GET", "/internal/students", params=params, tenant_id=tenant_id)
        self.raise_for_problem(reply, self.service)
        return InternalStudentList.model_validate(reply.json())
