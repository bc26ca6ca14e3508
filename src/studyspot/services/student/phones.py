"""Indian mobile numbers, normalised to `+91XXXXXXXXXX`."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")
# Indian mobile numbers have ten digits and start with 6, 7, 8 or 9.
_MOBILE = re.compile(r"^[6-9]\d{9}$")


def normalise_phone(raw: str) -> str:
    """`98765 43210`, `098765-43210`, `919876543210`, `+91 98765 43210` → `+919876543210`.

    Raises ValueError with a message a person can act on.
    """
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("+"):
        raise ValueError("only Indian mobile numbers (+91) are accepted")
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not _MOBILE.fullmatch(digits):
        raise ValueError("must be a 10-digit Indian mobile number starting with 6-9")
    return "+91" + digits


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
