"""Identity documents: formats per type, and the mask every non-owner sees."""

from __future__ import annotations

import re
from enum import StrEnum


class IdProofType(StrEnum):
    aadhaar = "aadhaar"
    pan = "pan"
    passport = "passport"
    driving_licence = "driving_licence"
    voter_id = "voter_id"
    other = "other"


_SEPARATORS = re.compile(r"[\s\-]")
_FORMATS: dict[IdProofType, tuple[re.Pattern[str], str]] = {
    # Aadhaar never starts with 0 or 1 and ends in a Verhoeff check digit.
    IdProofType.aadhaar: (re.compile(r"^[2-9]\d{11}$"), "12 digits, not starting with 0 or 1"),
    IdProofType.pan: (re.compile(r"^[A-Z]{5}\d{4}[A-Z]$"), "like ABCDE1234F"),
    IdProofType.passport: (re.compile(r"^[A-Z]\d{7}$"), "one letter and 7 digits, like K1234567"),
    IdProofType.driving_licence: (
        re.compile(r"^[A-Z]{2}\d{13}$"),
        "state code, RTO code, year and number, like MH14 20110062821",
    ),
    IdProofType.voter_id: (
        re.compile(r"^[A-Z]{3}\d{7}$"),
        "3 letters and 7 digits, like ABC1234567",
    ),
    IdProofType.other: (re.compile(r"^[A-Z0-9/]{4,32}$"), "4-32 letters, digits or /"),
}

# Verhoeff tables (dihedral group D5), as used by UIDAI for the Aadhaar check digit.
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_valid(number: str) -> bool:
    check = 0
    for i, ch in enumerate(reversed(number)):
        check = _D[check][_P[i % 8][int(ch)]]
    return check == 0


def verhoeff_check_digit(number: str) -> str:
    """The digit that makes `number + digit` pass the Verhoeff check."""
    check = 0
    for i, ch in enumerate(reversed(number)):
        check = _D[check][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[check])


def normalise_id_proof(kind: IdProofType, raw: str) -> str:
    """Upper-case without spaces or hyphens, checked against the document's format."""
    value = _SEPARATORS.sub("", raw.strip()).upper()
    pattern, shape = _FORMATS[kind]
    if not pattern.fullmatch(value):
        raise ValueError(f"not a valid {kind.value.replace('_', ' ')} number ({shape})")
    if kind is IdProofType.aadhaar and not verhoeff_valid(value):
        raise ValueError("not a valid aadhaar number (check digit does not match)")
    return value


def mask_id_proof(value: str | None) -> str | None:
    """Everything but the last four characters hidden, length kept: `XXXXXXXX1234`."""
    if value is None:
        return None
    visible = 4 if len(value) > 4 else 0
    return "X" * (len(value) - visible) + value[len(value) - visible :]
