"""Shifts of a library: named daily windows, possibly across midnight, or the full day."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.schemas import WriteModel
from studyspot.kit.shift_windows import DailyWindow
from studyspot.services.library.models import SHIFT_NAME_MAX, Shift
from studyspot.services.library.schemas.common import ONE_LINE, Flag, LocalTime, not_null
from studyspot.services.library.times import HHMM_OR_24_PATTERN, HHMM_PATTERN

ShiftName = Annotated[
    str,
    Field(min_length=1, max_length=SHIFT_NAME_MAX, pattern=ONE_LINE, examples=["Morning"]),
]


class ShiftCreate(WriteModel):
    """`start_time` > `end_time` crosses midnight (22:00-06:00). A full-day shift has no times."""

    name: ShiftName
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    is_full_day: Flag = False

    @model_validator(mode="after")
    def _window(self) -> ShiftCreate:
        check_window(self.start_time, self.end_time, self.is_full_day)
        return self


class ShiftUpdate(WriteModel):
    """Fields left out keep their value; the resulting window is checked as on create."""

    name: ShiftName | SkipJsonSchema[None] = None
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    is_full_day: Flag | SkipJsonSchema[None] = None

    check_not_null = field_validator("name", "is_full_day")(not_null)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


def check_window(start: str | None, end: str | None, full_day: bool) -> None:
    """Raise ValueError when start, end and the full-day flag do not describe one window."""
    if full_day:
        if start is not None or end is not None:
            raise ValueError("a full-day shift runs 00:00-24:00; leave start_time and end_time out")
        return
    if start is None or end is None:
        raise ValueError("start_time and end_time are required unless is_full_day is true")
    if start == end:
        raise ValueError("start_time and end_time are equal; use is_full_day for 24 hours")


class ShiftRead(BaseModel):
    id: uuid.UUID
    library_id: uuid.UUID
    name: str = Field(max_length=SHIFT_NAME_MAX)
    start_time: str = Field(pattern=HHMM_PATTERN)
    end_time: str = Field(pattern=HHMM_OR_24_PATTERN, description="24:00 only for a full day")
    is_full_day: bool
    crosses_midnight: bool = Field(description="True when the shift ends on the next day")
    duration_minutes: int = Field(ge=1, le=1440)
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, shift: Shift) -> ShiftRead:
        window = DailyWindow.of(shift.start_time, shift.end_time, full_day=shift.is_full_day)
        return cls(
            id=shift.id,
            library_id=shift.library_id,
            name=shift.name,
            start_time=shift.start_time,
            end_time=shift.end_time,
            is_full_day=shift.is_full_day,
            crosses_midnight=window.crosses_midnight,
            duration_minutes=window.duration,
            created_at=shift.created_at,
            updated_at=shift.updated_at,
        )
