"""GSTIN (Indian GST registration number) format and check character."""

from __future__ import annotations

import re

_FORMAT = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PATTERN = _FORMAT.pattern


def check_character(first14: str) -> str:
    """The 15th character: a base-36 Luhn-style check over the first 14."""
    total = 0
    for index, char in enumerate(first14):
        product = _ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _ALPHABET[(36 - total % 36) % 36]


def is_valid(value: str) -> bool:
    return bool(_FORMAT.fullmatch(value)) and check_character(value[:14]) == value[14]
