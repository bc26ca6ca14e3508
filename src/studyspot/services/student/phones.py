"""Phone digits in a search box; numbers themselves are normalised by kit.india."""

from __future__ import annotations

import re

from studyspot.kit.india import normalise_mobile as normalise_phone

__all__ = ["normalise_phone", "phone_search_digits"]

_SEPARATORS = re.compile(r"[\s\-().]")


def phone_search_digits(query: str) -> str | None:
    """The digits to look for when a search box holds (part of) a phone number, else None."""
    compact = _SEPARATORS.sub("", query.strip())
    if not re.fullmatch(r"\+?\d{3,13}", compact):
        return None
    digits = compact.lstrip("+")
    if len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    return digits
