"""Indian formats every service uses the same way: mobile numbers, GSTINs and rupees.

Formats only, no business rules: one spelling per mobile number (`+91` and ten
digits) so that a login, a student record and a search agree, and the GSTIN
check character so that a typo never reaches an invoice.
"""

from __future__ import annotations

import re

_SEP = r"[ ().-]*"
# Every way of writing an Indian mobile number that `normalise_mobile` accepts, and no
# other: separators anywhere, then +91, 91 or 0 (or nothing), then ten digits from 6-9.
INDIAN_MOBILE_INPUT = (
    rf"^{_SEP}(?:\+{_SEP}9{_SEP}1{_SEP}|9{_SEP}1{_SEP}|0{_SEP})?[6-9](?:{_SEP}[0-9]){{9}}{_SEP}$"
)
_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"^[6-9][0-9]{9}$")


def normalise_mobile(raw: str) -> str:
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


# 2-digit state, 10-character PAN, entity number, "Z", check character.
GSTIN_PATTERN = r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$"
_GSTIN = re.compile(GSTIN_PATTERN)
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_character(first14: str) -> str:
    """The 15th character of a GSTIN: a base-36 Luhn mod-36 check over the first 14."""
    total = 0
    for index, char in enumerate(first14):
        product = _BASE36.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _BASE36[(36 - total % 36) % 36]


def gstin_problem(value: str) -> str | None:
    """Why `value` is not a GSTIN, or None when it is one."""
    if not _GSTIN.fullmatch(value):
        return "must be 15 characters: state code, PAN, entity number, Z, check character"
    if gstin_check_character(value[:14]) != value[14]:
        return "the check character does not match; look for a typing mistake"
    return None


def format_rupees(paise: int) -> str:
    """Rupees written the Indian way, with lakh and crore grouping: 15000000 → `₹1,50,000.00`."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    digits = str(rupees)
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while head:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return f"{sign}₹{','.join([*groups, tail])}.{rest:02d}"
