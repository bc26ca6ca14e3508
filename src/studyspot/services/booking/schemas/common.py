"""Field types shared by the booking service's request and response models."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

HHMM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_OR_24_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"

LocalTime = Annotated[
    str, Field(pattern=HHMM_PATTERN, description="Local wall-clock time HH:MM", examples=["06:00"])
]
WindowEnd = Annotated[
    str,
    Field(
        pattern=HHMM_OR_24_PATTERN,
        description="Local HH:MM; at or before the start: the next day; 24:00: end of the day",
    ),
]
Reason = Annotated[str, Field(min_length=1, max_length=500, pattern=ONE_LINE)]
Paise = Annotated[int, Field(ge=0, le=10_000_000_000)]
SignedPaise = Annotated[int, Field(ge=-10_000_000_000, le=10_000_000_000)]
SeatKind = Literal["standard", "ac", "cabin", "laptop_friendly", "any"]
SeatAssignment = Literal["reserved", "floating"]
BookingStatusName = Literal[
    "pending_payment", "confirmed", "active", "completed", "cancelled", "expired"
]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: object) -> object:
    # Pydantic would also read 0 or "1700000000" as a date (seconds since 1970).
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
