"""Fee plans: what a student buys (duration, shifts, seat kind, price with GST)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.schemas import WriteModel
from studyspot.services.library.models import FeePlan
from studyspot.services.library.money import PriceBreakup, price_breakup
from studyspot.services.library.schemas.common import (
    PRINTABLE,
    Flag,
    Name,
    PaiseAmount,
    not_null,
)

DurationUnit = Literal["hour", "day", "month"]
PlanSeatType = Literal["any", "standard", "ac", "cabin", "laptop_friendly"]
SeatAssignment = Literal["reserved", "floating"]
GstRate = Literal[0, 5, 12, 18, 28]
# Longest duration per unit: a day pass up to a year, months up to three years.
MAX_DURATION: dict[str, int] = {"hour": 24, "day": 366, "month": 36}
MAX_SHIFTS = 10

Description = Annotated[str, Field(max_length=1000, pattern=PRINTABLE)]
DurationValue = Annotated[
    int, Field(strict=True, ge=1, le=366, description="hour: 1-24, day: 1-366, month: 1-36")
]
ShiftIds = Annotated[
    list[uuid.UUID],
    Field(max_length=MAX_SHIFTS, description="Shifts covered; empty for a full-day plan"),
]


def check_duration(unit: str, value: int) -> None:
    if value > MAX_DURATION[unit]:
        raise ValueError(f"a plan in {unit}s lasts at most {MAX_DURATION[unit]}")


def check_coverage(full_day: bool, shift_ids: list[uuid.UUID]) -> None:
    if full_day and shift_ids:
        raise ValueError("a full-day plan covers no particular shifts; leave shift_ids empty")
    if not full_day and not shift_ids:
        raise ValueError("name the shifts this plan covers, or set full_day")
    if len(set(shift_ids)) != len(shift_ids):
        raise ValueError("shift_ids lists a shift twice")


class FeePlanCreate(WriteModel):
    library_id: uuid.UUID | None = Field(
        default=None, description="The library; null offers the plan at every library"
    )
    name: Name
    description: Description | None = None
    duration_unit: DurationUnit
    duration_value: DurationValue
    full_day: Flag = False
    shift_ids: ShiftIds = Field(default_factory=list)
    seat_type: PlanSeatType = "any"
    seat_assignment: SeatAssignment = Field(
        default="reserved", description="reserved: the same seat every day; floating: any free seat"
    )
    price_paise: PaiseAmount
    registration_fee_paise: PaiseAmount = 0
    security_deposit_paise: PaiseAmount = Field(default=0, description="Refundable")
    gst_rate_percent: GstRate = 18
    price_includes_tax: Flag = True
    is_active: Flag = True
    max_pause_days: Annotated[int, Field(strict=True, ge=0, le=365)] = 0
    max_pauses_per_year: Annotated[int, Field(strict=True, ge=0, le=12)] = 0
    allow_overlapping_bookings: Flag = False
    keep_seat_on_pause: Flag = False

    @model_validator(mode="after")
    def _consistent(self) -> FeePlanCreate:
        check_duration(self.duration_unit, self.duration_value)
        check_coverage(self.full_day, self.shift_ids)
        if self.shift_ids and self.library_id is None:
            raise ValueError("shifts belong to one library: set library_id for a shift plan")
        return self


class FeePlanUpdate(WriteModel):
    """Fields left out keep their value; the result is checked as on create.

    The library is fixed at creation: a plan for another library is a new plan.
    """

    name: Name | SkipJsonSchema[None] = None
    description: Description | None = None
    duration_unit: DurationUnit | SkipJsonSchema[None] = None
    duration_value: DurationValue | SkipJsonSchema[None] = None
    full_day: Flag | SkipJsonSchema[None] = None
    shift_ids: ShiftIds | SkipJsonSchema[None] = None
    seat_type: PlanSeatType | SkipJsonSchema[None] = None
    seat_assignment: SeatAssignment | SkipJsonSchema[None] = None
    price_paise: PaiseAmount | SkipJsonSchema[None] = None
    registration_fee_paise: PaiseAmount | SkipJsonSchema[None] = None
    security_deposit_paise: PaiseAmount | SkipJsonSchema[None] = None
    gst_rate_percent: GstRate | SkipJsonSchema[None] = None
    price_includes_tax: Flag | SkipJsonSchema[None] = None
    is_active: Flag | SkipJsonSchema[None] = None
    max_pause_days: Annotated[int, Field(strict=True, ge=0, le=365)] | SkipJsonSchema[None] = None
    max_pauses_per_year: Annotated[int, Field(strict=True, ge=0, le=12)] | SkipJsonSchema[None] = (
        None
    )
    allow_overlapping_bookings: Flag | SkipJsonSchema[None] = None
    keep_seat_on_pause: Flag | SkipJsonSchema[None] = None

    check_not_null = field_validator(
        "name",
        "duration_unit",
        "duration_value",
        "full_day",
        "shift_ids",
        "seat_type",
        "seat_assignment",
        "price_paise",
        "registration_fee_paise",
        "security_deposit_paise",
        "gst_rate_percent",
        "price_includes_tax",
        "is_active",
        "max_pause_days",
        "max_pauses_per_year",
        "allow_overlapping_bookings",
        "keep_seat_on_pause",
    )(not_null)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class FeePlanRead(BaseModel):
    id: uuid.UUID
    library_id: uuid.UUID | None = Field(description="null: offered at every library")
    name: str = Field(max_length=120)
    description: str | None = Field(max_length=1000)
    duration_unit: DurationUnit
    duration_value: int = Field(ge=1, le=366)
    full_day: bool
    shift_ids: list[uuid.UUID]
    seat_type: PlanSeatType
    seat_assignment: SeatAssignment
    price_paise: int = Field(ge=0)
    registration_fee_paise: int = Field(ge=0)
    security_deposit_paise: int = Field(ge=0)
    gst_rate_percent: GstRate
    price_includes_tax: bool
    price_breakup: PriceBreakup
    currency: Literal["INR"] = "INR"
    is_active: bool
    max_pause_days: int = Field(ge=0, le=365)
    max_pauses_per_year: int = Field(ge=0, le=12)
    allow_overlapping_bookings: bool
    keep_seat_on_pause: bool
    in_use: bool = Field(description="Sold at least once: can be deactivated, never deleted")
    used_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, plan: FeePlan, shift_ids: list[uuid.UUID]) -> FeePlanRead:
        return cls.model_validate(
            {
                **{k: getattr(plan, k) for k in _PLAN_COLUMNS},
                "shift_ids": shift_ids,
                "price_breakup": price_breakup(
                    plan.price_paise, plan.gst_rate_percent, plan.price_includes_tax
                ),
                "in_use": plan.used_at is not None,
            }
        )


_PLAN_COLUMNS = (
    "id",
    "library_id",
    "name",
    "description",
    "duration_unit",
    "duration_value",
    "full_day",
    "seat_type",
    "seat_assignment",
    "price_paise",
    "registration_fee_paise",
    "security_deposit_paise",
    "gst_rate_percent",
    "price_includes_tax",
    "is_active",
    "max_pause_days",
    "max_pauses_per_year",
    "allow_overlapping_bookings",
    "keep_seat_on_pause",
    "used_at",
    "created_at",
    "updated_at",
)
