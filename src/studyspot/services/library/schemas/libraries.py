"""Libraries (branches): create, update and read models."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.schemas import WriteModel
from studyspot.kit.shift_windows import minutes_of
from studyspot.services.library.india import (
    GSTIN_PATTERN,
    PINCODE_PATTERN,
    IndianState,
    gst_state_code,
    gstin_matches_state,
    gstin_problem,
    state_from_input,
    state_name,
)
from studyspot.services.library.models import Library
from studyspot.services.library.schemas.common import (
    ONE_LINE,
    PRINTABLE,
    Email,
    IndianMobile,
    LocalTime,
    LocalTimeOr24,
    Name,
    not_null,
)
from studyspot.services.library.times import (
    DEFAULT_TIMEZONE,
    TIMEZONE_PATTERN,
    timezone_problem,
)

LibraryStatus = Literal["active", "closed"]


class Amenity(StrEnum):
    wifi = "wifi"
    air_conditioning = "air_conditioning"
    power_backup = "power_backup"
    charging_points = "charging_points"
    lockers = "lockers"
    drinking_water = "drinking_water"
    washroom = "washroom"
    cctv = "cctv"
    parking = "parking"
    cafeteria = "cafeteria"
    newspapers = "newspapers"
    books = "books"
    printing = "printing"
    discussion_room = "discussion_room"
    reading_lamps = "reading_lamps"
    biometric_entry = "biometric_entry"


class TimeRange(WriteModel):
    opens: LocalTime
    closes: LocalTimeOr24

    @model_validator(mode="after")
    def _closes_after_opens(self) -> TimeRange:
        if minutes_of(self.closes) <= minutes_of(self.opens):
            raise ValueError(
                "closes must be after opens; a night across midnight is two ranges, "
                "e.g. 20:00-24:00 and 00:00-02:00 of the next day"
            )
        return self


DayHours = Annotated[list[TimeRange], Field(max_length=4, description="Empty: closed that day")]
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OpeningHours(WriteModel):
    """Opening hours per weekday in the library's local time."""

    monday: DayHours = Field(default_factory=list)
    tuesday: DayHours = Field(default_factory=list)
    wednesday: DayHours = Field(default_factory=list)
    thursday: DayHours = Field(default_factory=list)
    friday: DayHours = Field(default_factory=list)
    saturday: DayHours = Field(default_factory=list)
    sunday: DayHours = Field(default_factory=list)

    @field_validator(*_DAYS)
    @classmethod
    def _no_overlap(cls, ranges: list[TimeRange]) -> list[TimeRange]:
        ordered = sorted(ranges, key=lambda r: minutes_of(r.opens))
        for before, after in pairwise(ordered):
            if minutes_of(after.opens) < minutes_of(before.closes):
                raise ValueError("ranges of one day must not overlap")
        return ordered


def _timezone(value: str) -> str:
    problem = timezone_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _gstin(value: str) -> str:
    problem = gstin_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _amenities(values: list[Amenity]) -> list[Amenity]:
    return sorted(set(values))


Address = Annotated[str, Field(min_length=1, max_length=500, pattern=PRINTABLE)]
City = Annotated[str, Field(min_length=1, max_length=80, pattern=ONE_LINE)]
Pincode = Annotated[
    str, Field(pattern=PINCODE_PATTERN, description="6-digit PIN code", examples=["324005"])
]
TimeZone = Annotated[
    str,
    Field(max_length=64, pattern=TIMEZONE_PATTERN, examples=[DEFAULT_TIMEZONE]),
    AfterValidator(_timezone),
]
Gstin = Annotated[
    str,
    BeforeValidator(_upper),
    Field(
        min_length=15,
        max_length=15,
        pattern=GSTIN_PATTERN,
        description="GST registration; its first two digits must be the state's GST code",
        examples=["27AAPFU0939F1ZV"],
    ),
    AfterValidator(_gstin),
]
State = Annotated[
    IndianState,
    BeforeValidator(state_from_input),
    Field(description="State or union territory code (GST place of supply), e.g. MH"),
]
Amenities = Annotated[list[Amenity], Field(max_length=30), AfterValidator(_amenities)]


class LibraryCreate(WriteModel):
    name: Name
    address: Address
    city: City
    state: State
    pincode: Pincode
    timezone: TimeZone = DEFAULT_TIMEZONE
    contact_phone: IndianMobile | None = None
    contact_email: Email | None = None
    opening_hours: OpeningHours | None = Field(
        default=None, description="Omitted or null: not published"
    )
    amenities: Amenities = Field(default_factory=list)
    gstin: Gstin | None = None
    status: LibraryStatus = "active"

    @field_validator("gstin")
    @classmethod
    def _gstin_in_state(cls, value: str | None, info: ValidationInfo) -> str | None:
        state = info.data.get("state")
        if value is not None and state is not None and not gstin_matches_state(value, state):
            raise ValueError(f"a GSTIN of {state} starts with {gst_state_code(state)}")
        return value


class LibraryUpdate(WriteModel):
    """Fields left out keep their value. The GSTIN is checked against the resulting state."""

    name: Name | SkipJsonSchema[None] = None
    address: Address | SkipJsonSchema[None] = None
    city: City | SkipJsonSchema[None] = None
    state: State | SkipJsonSchema[None] = None
    pincode: Pincode | SkipJsonSchema[None] = None
    timezone: TimeZone | SkipJsonSchema[None] = None
    contact_phone: IndianMobile | None = None
    contact_email: Email | None = None
    opening_hours: OpeningHours | None = None
    amenities: Amenities | SkipJsonSchema[None] = None
    gstin: Gstin | None = None
    status: LibraryStatus | SkipJsonSchema[None] = None

    check_not_null = field_validator(
        "name", "address", "city", "state", "pincode", "timezone", "amenities", "status"
    )(not_null)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class LibraryRead(BaseModel):
    id: uuid.UUID
    name: str = Field(max_length=120)
    address: str = Field(max_length=500)
    city: str = Field(max_length=80)
    state: IndianState
    state_name: str = Field(max_length=64)
    gst_state_code: str = Field(pattern=r"^[0-9]{2}$", description="GST code of `state`")
    pincode: str = Field(pattern=PINCODE_PATTERN)
    timezone: str = Field(max_length=64)
    contact_phone: str | None = Field(pattern=r"^\+91[6-9][0-9]{9}$")
    contact_email: str | None = Field(max_length=254)
    opening_hours: OpeningHours | None
    amenities: list[Amenity]
    gstin: str | None = Field(pattern=GSTIN_PATTERN)
    status: LibraryStatus
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, library: Library) -> LibraryRead:
        return cls(
            id=library.id,
            name=library.name,
            address=library.address,
            city=library.city,
            state=IndianState(library.state),
            state_name=state_name(library.state),
            gst_state_code=gst_state_code(library.state),
            pincode=library.pincode,
            timezone=library.timezone,
            contact_phone=library.contact_phone,
            contact_email=library.contact_email,
            opening_hours=(
                OpeningHours.model_validate(library.opening_hours)
                if library.opening_hours is not None
                else None
            ),
            amenities=[Amenity(a) for a in library.amenities],
            gstin=library.gstin,
            status="closed" if library.status == "closed" else "active",
            created_at=library.created_at,
            updated_at=library.updated_at,
        )


class LibraryUsage(BaseModel):
    """What the tenant uses of the limits the library service enforces, counted as the
    limit check counts (every library and seat, whatever its status; active staff)."""

    libraries: int = Field(ge=0)
    seats: int = Field(ge=0)
    staff: int = Field(ge=0)
