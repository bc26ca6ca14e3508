"""Request and response models of the student service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    EmailStr,
    Field,
    StrictBool,
)
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.schemas import WriteModel
from studyspot.services.student.id_proofs import IdProofType
from studyspot.services.student.phones import normalise_phone
from studyspot.services.student.upstream import InternalPayment


class Gender(StrEnum):
    male = "male"
    female = "female"
    other = "other"
    prefer_not_to_say = "prefer_not_to_say"


class StudentStatus(StrEnum):
    active = "active"
    inactive = "inactive"
    suspended = "suspended"
    alumni = "alumni"


# Printable text only: names and notes end up in CSV exports, receipts and messages.
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"

PersonName = Annotated[str, Field(min_length=1, max_length=120, pattern=_ONE_LINE)]
Phone = Annotated[
    str,
    Field(
        min_length=10,
        max_length=22,
        pattern=r"^(?:\+91|91|0)?[ \-]?[6-9](?:[ \-]?[0-9]){9}$",
        description="Indian mobile number; stored and returned as +91XXXXXXXXXX",
        examples=["+919876543210"],
    ),
    AfterValidator(normalise_phone),
]
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(lambda v: v.lower())]
GuardianEmail = Annotated[
    EmailStr,
    Field(
        max_length=254,
        description=(
            "The guardian's e-mail address (at most 254 characters, stored in lower case): "
            "a student under 18 gets e-mail here instead of at `email`"
        ),
    ),
    AfterValidator(lambda v: v.lower()),
]
Address = Annotated[str, Field(min_length=1, max_length=500, pattern=_PRINTABLE)]
Notes = Annotated[str, Field(max_length=2000, pattern=_PRINTABLE)]
IdProofNumber = Annotated[
    str,
    Field(
        min_length=4,
        max_length=32,
        pattern=r"^[A-Za-z0-9/ \-]+$",
        description="Checked against the format of `id_proof_type`; returned masked except to the owner",
    ),
]
PhotoUrl = Annotated[AnyHttpUrl, Field(max_length=500)]
BirthDate = Annotated[date, Field(ge=date(1900, 1, 1), description="YYYY-MM-DD, not in the future")]
AdmissionDate = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2999, 12, 31))]


_FORWARDED = (
    "Forwarded to the message service as the student's consent to reminders on this "
    "channel (`GET /api/messages/consents/{user_id}` reads it); not stored or returned here"
)


class ConsentIn(WriteModel):
    """What the student agreed to. Who recorded it and when come from the request, not the body.

    The channel answers go to the message service, which alone keeps message consent;
    `data_processing` stays on the student record."""

    whatsapp: StrictBool = Field(default=False, description=_FORWARDED)
    sms: StrictBool = Field(default=False, description=_FORWARDED)
    email: StrictBool = Field(default=False, description=_FORWARDED)
    data_processing: StrictBool = False


class StudentCreate(WriteModel):
    name: PersonName
    phone: Phone
    email: Email | None = None
    date_of_birth: BirthDate | None = None
    gender: Gender | None = None
    address: Address | None = None
    id_proof_type: IdProofType | None = None
    id_proof_number: IdProofNumber | None = None
    photo_url: PhotoUrl | None = None
    guardian_name: PersonName | None = None
    guardian_phone: Phone | None = None
    guardian_email: GuardianEmail | None = None
    home_library_id: uuid.UUID
    status: StudentStatus = StudentStatus.active
    admission_date: AdmissionDate | None = Field(
        default=None, description="Defaults to today (Asia/Kolkata)"
    )
    notes: Notes | None = None
    consent: ConsentIn | None = None


# Fields that must never be cleared once set; every other field may be set to null.
REQUIRED_ON_UPDATE = ("name", "phone", "home_library_id", "status", "admission_date", "consent")


class StudentUpdate(WriteModel):
    """Partial update: only the fields sent change; `null` clears an optional field."""

    name: PersonName | SkipJsonSchema[None] = None
    phone: Phone | SkipJsonSchema[None] = None
    email: Email | None = None
    date_of_birth: BirthDate | None = None
    gender: Gender | None = None
    address: Address | None = None
    id_proof_type: IdProofType | None = None
    id_proof_number: IdProofNumber | None = None
    photo_url: PhotoUrl | None = None
    guardian_name: PersonName | None = None
    guardian_phone: Phone | None = None
    guardian_email: GuardianEmail | None = None
    home_library_id: uuid.UUID | SkipJsonSchema[None] = None
    status: StudentStatus | SkipJsonSchema[None] = None
    admission_date: AdmissionDate | SkipJsonSchema[None] = None
    notes: Notes | None = None
    consent: ConsentIn | SkipJsonSchema[None] = None


class ConsentRead(BaseModel):
    """Consent to process the student's data. Message consent per channel and purpose is
    the message service's (`GET /api/messages/consents/{user_id}`)."""

    data_processing: bool
    recorded_at: datetime | None = Field(description="When the consent was last recorded")
    recorded_by: uuid.UUID | None = Field(description="User who recorded it")
    recorded_by_type: str | None = Field(max_length=32)


class StudentRead(BaseModel):
    id: uuid.UUID
    enrollment_number: str = Field(pattern=r"^STU-\d{6,}$", examples=["STU-000123"])
    name: str = Field(max_length=120)
    phone: str = Field(pattern=r"^\+91[6-9]\d{9}$")
    email: str | None = Field(max_length=254)
    date_of_birth: date | None
    gender: Gender | None
    address: str | None = Field(max_length=500)
    id_proof_type: IdProofType | None
    id_proof_number: str | None = Field(
        max_length=32, description="Masked (`XXXXXXXX1234`) unless the caller is the owner"
    )
    id_proof_masked: bool
    photo_url: str | None = Field(max_length=500)
    guardian_name: str | None = Field(max_length=120)
    guardian_phone: str | None = Field(pattern=r"^\+91[6-9]\d{9}$")
    guardian_email: str | None = Field(max_length=254)
    home_library_id: uuid.UUID
    status: StudentStatus
    admission_date: date
    notes: str | None = Field(max_length=2000)
    consent: ConsentRead
    has_login: bool
    invited_at: datetime | None
    created_at: datetime
    updated_at: datetime


SortField = Literal[
    "name",
    "-name",
    "enrollment_number",
    "-enrollment_number",
    "created_at",
    "-created_at",
    "admission_date",
    "-admission_date",
]


class InviteResult(BaseModel):
    student_id: uuid.UUID
    invited_at: datetime
    login_created: bool = Field(description="True when this invite created the student's login")


class StatusCounts(BaseModel):
    active: int = Field(ge=0)
    inactive: int = Field(ge=0)
    suspended: int = Field(ge=0)
    alumni: int = Field(ge=0)


class MonthCount(BaseModel):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])
    count: int = Field(ge=0)


class SourceState(StrEnum):
    available = "available"
    unavailable = "unavailable"


class StudentAnalytics(BaseModel):
    total: int = Field(ge=0)
    counts_by_status: StatusCounts
    new_admissions_by_month: list[MonthCount]
    expiring_this_week: int | None = Field(
        ge=0,
        description=(
            "Students whose paid booking ends between today and today + 7 without a renewal "
            "(as `?expiring_within_days=7` lists them); null when the booking service cannot "
            "be reached (`sources.bookings: unavailable`)"
        ),
    )
    with_dues: int | None = Field(
        ge=0,
        description=(
            "Students with a positive balance on an open due (as `?with_dues=true` lists "
            "them); null when the payment service cannot be reached (`sources.payments: "
            "unavailable`)"
        ),
    )
    sources: dict[Literal["students", "bookings", "payments"], SourceState]


class StudentPaymentRead(InternalPayment):
    """One payment of the student, as the payment service records it (its contract type,
    so that the two cannot drift apart)."""


class RowError(BaseModel):
    line: int = Field(ge=1, description="Line of the file (the header is line 1)")
    field: str = Field(max_length=64)
    reason: str = Field(max_length=300)


class DuplicatePhone(BaseModel):
    line: int = Field(ge=1)
    phone: str = Field(max_length=13)
    duplicate_of_line: int | None = Field(description="Earlier line of the same file")
    existing_enrollment_number: str | None = Field(
        description="Student already registered with this phone"
    )


class ImportReport(BaseModel):
    dry_run: bool
    total_rows: int = Field(ge=0)
    valid_rows: int = Field(ge=0)
    imported: int = Field(ge=0)
    errors: list[RowError]
    duplicates: list[DuplicatePhone]
