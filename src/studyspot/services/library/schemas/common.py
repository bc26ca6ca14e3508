"""Field types shared by the library service's request and response models."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, StrictBool

from studyspot.services.library.india import MOBILE_INPUT_PATTERN, normalise_mobile
from studyspot.services.library.times import HHMM_OR_24_PATTERN, HHMM_PATTERN

T = TypeVar("T")
# JSON true/false only: lax parsing would take "yes", 1 or "0" for a flag.
Flag = StrictBool

# One line of printable text: names end up in receipts, CSV exports and messages,
# and PostgreSQL refuses NUL characters outright.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Name = Annotated[str, Field(min_length=1, max_length=120, pattern=ONE_LINE)]


def _mobile(value: object) -> object:
    return normalise_mobile(value) if isinstance(value, str) else value


IndianMobile = Annotated[
    str,
    BeforeValidator(_mobile),
    Field(
        max_length=20,
        pattern=MOBILE_INPUT_PATTERN,
        description="Indian mobile number; spaces and dashes allowed; stored and returned as +91XXXXXXXXXX",
        examples=["+919876543210"],
    ),
]
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(str.lower)]
LocalTime = Annotated[
    str, Field(pattern=HHMM_PATTERN, description="Local wall-clock time HH:MM", examples=["06:00"])
]
LocalTimeOr24 = Annotated[
    str,
    Field(
        pattern=HHMM_OR_24_PATTERN,
        description="Local wall-clock time HH:MM; 24:00 is the end of the day",
        examples=["22:00"],
    ),
]
PaiseAmount = Annotated[
    int,
    Field(
        strict=True,
        ge=0,
        le=100_000_000,
        description="Integer paise (₹1 = 100), at most ₹10,00,000",
    ),
]


class SeatType(StrEnum):
    standard = "standard"
    ac = "ac"
    cabin = "cabin"
    laptop_friendly = "laptop_friendly"


def not_null(value: T | None) -> T:
    """PATCH fields that may be left out but not set to null (validators only see given values)."""
    if value is None:
        raise ValueError("cannot be null")
    return value
