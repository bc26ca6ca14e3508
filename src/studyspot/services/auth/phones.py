"""Phone numbers as logins: one spelling per number, so "98765 43210" finds "+919876543210".

The student service stores its students' numbers the same way (`+91` and ten
digits), and that is the number it gives auth for the login.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"^[6-9]\d{9}$")
E164_INDIA = r"^\+91[6-9][0-9]{9}$"


def normalise_phone(raw: object) -> object:
    """`098765-43210`, `919876543210`, `+91 98765 43210` → `+919876543210`; else unchanged.

    Anything that is not an Indian mobile number is left for the pattern to refuse.
    """
    if not isinstance(raw, str):
        return raw
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    return "+91" + digits if _MOBILE.fullmatch(digits) else raw
