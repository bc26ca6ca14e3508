"""Phone numbers as logins: one spelling per number, so "98765 43210" finds "+919876543210".

The student service stores its students' numbers the same way (`+91` and ten
digits), and that is the number it gives auth for the login.
"""

from __future__ import annotations

import re

_SEP = r"[ ().-]*"
# Every way of writing an Indian mobile number that `normalise_phone` accepts, and no other:
# separators anywhere, then +91, 91 or 0 (or nothing), then ten digits starting 6-9.
INDIAN_MOBILE_INPUT = (
    rf"^{_SEP}(?:\+{_SEP}9{_SEP}1{_SEP}|9{_SEP}1{_SEP}|0{_SEP})?[6-9](?:{_SEP}[0-9]){{9}}{_SEP}$"
)
_SEPARATORS = re.compile(r"[ ().-]")
_MOBILE = re.compile(r"^[6-9][0-9]{9}$")


def normalise_phone(raw: str) -> str:
    """`098765-43210`, `919876543210`, `+91 98765 43210` → `+919876543210`."""
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not _MOBILE.fullmatch(digits):
        raise ValueError("must be a 10-digit Indian mobile number starting with 6-9")
    return "+91" + digits
