"""Seats of a library: one by one, in bulk by pattern, and as read back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.services.library.models import SEAT_LABEL_MAX
from studyspot.services.library.schemas.common import ONE_LINE, SeatType, not_null

MAX_BULK_SEATS = 1000
MAX_POSITION = 500

SeatStatus = Literal["active", "maintenance"]
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9\-_/.]*$"
SeatLabel = Annotated[
    str,
    Field(
        min_length=1,
        max_length=SEAT_LABEL_MAX,
        pattern=LABEL_PATTERN,
        description="Unique within the library, e.g. A12",
        examples=["A12"],
    ),
]
Zone = Annotated[str, Field(min_length=1, max_length=60, pattern=ONE_LINE)]
Floor = Annotated[int, Field(strict=True, ge=-5, le=200, description="0 is the ground floor")]
Position = Annotated[int, Field(strict=True, ge=1, le=MAX_POSITION)]


class SeatCreate(WriteModel):
    label: SeatLabel
    zone: Zone | None = None
    floor: Floor | None = None
    seat_type: SeatType = SeatType.standard
    status: SeatStatus = "active"
    row: Position | None = Field(default=None, description="Row on the seat map")
    column: Position | None = Field(default=None, description="Column on the seat map")

    @model_validator(mode="after")
    def _row_and_column_together(self) -> SeatCreate:
        if (self.row is None) != (self.column is None):
            raise ValueError("row and column go together: give both or neither")
        return self


class SeatUpdate(WriteModel):
    label: SeatLabel | SkipJsonSchema[None] = None
    zone: Zone | None = None
    floor: Floor | None = None
    seat_type: SeatType | SkipJsonSchema[None] = None
    status: SeatStatus | SkipJsonSchema[None] = None
    row: Position | None = Field(default=None, description="Set together with column")
    column: Position | None = Field(default=None, description="Set together with row")

    check_not_null = field_validator("label", "seat_type", "status")(not_null)

    @model_validator(mode="after")
    def _row_and_column_together(self) -> SeatUpdate:
        if ("row" in self.model_fields_set) != ("column" in self.model_fields_set):
            raise ValueError("row and column go together: give both or neither")
        if (self.row is None) != (self.column is None):
            raise ValueError("row and column are both set or both null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class SeatBulkCreate(WriteModel):
    """Seats `{prefix}{from}` to `{prefix}{to}`, e.g. A1 to A60; all are made or none."""

    prefix: Annotated[str, Field(max_length=8, pattern=r"^[A-Za-z0-9\-]*$")] = ""
    from_: Annotated[int, Field(strict=True, ge=0, le=99_999)] = Field(alias="from")
    to: Annotated[int, Field(strict=True, ge=0, le=99_999)]
    pad: Annotated[int, Field(strict=True, ge=0, le=5)] = Field(
        default=0, description="Zero-pad numbers to this width: pad 2 gives A01"
    )
    zone: Zone | None = None
    floor: Floor | None = None
    seat_type: SeatType = SeatType.standard
    status: SeatStatus = "active"
    row: Position | None = Field(
        default=None, description="Put every seat in this map row, one column after another"
    )
    first_column: Position = Field(
        default=1, description="Column of the first seat when row is set"
    )

    @model_validator(mode="after")
    def _sane_range(self) -> SeatBulkCreate:
        if self.to < self.from_:
            raise ValueError("to must not be less than from")
        if self.count > MAX_BULK_SEATS:
            raise ValueError(f"at most {MAX_BULK_SEATS} seats per call")
        if len(self.label_for(self.to)) > SEAT_LABEL_MAX:
            raise ValueError(f"labels must be at most {SEAT_LABEL_MAX} characters")
        if not self.label_for(self.from_)[0].isalnum():
            raise ValueError("labels must start with a letter or digit")
        if self.row is not None and self.first_column + self.count - 1 > MAX_POSITION:
            raise ValueError(f"the row would run past column {MAX_POSITION}")
        return self

    @property
    def count(self) -> int:
        return self.to - self.from_ + 1

    def label_for(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.pad}d}" if self.pad else f"{self.prefix}{number}"

    def labels(self) -> list[str]:
        return [self.label_for(n) for n in range(self.from_, self.to + 1)]


class SeatRead(ReadModel):
    id: uuid.UUID
    library_id: uuid.UUID
    label: str = Field(max_length=SEAT_LABEL_MAX)
    zone: str | None = Field(max_length=60)
    floor: int | None
    seat_type: SeatType
    status: SeatStatus
    row: int | None = Field(ge=1, le=MAX_POSITION)
    column: int | None = Field(ge=1, le=MAX_POSITION)
    created_at: datetime
    updated_at: datetime


class SeatBulkResult(BaseModel):
    created: int = Field(ge=1, le=MAX_BULK_SEATS)
    items: list[SeatRead]
