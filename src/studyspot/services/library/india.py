"""Indian address and tax facts a branch needs: states with their GST codes, GSTIN, mobiles."""

from __future__ import annotations

import re
from enum import StrEnum


class IndianState(StrEnum):
    """States and union territories by their current ISO 3166-2:IN codes (as on number plates)."""

    AN = "AN"
    AP = "AP"
    AR = "AR"
    AS = "AS"
    BR = "BR"
    CH = "CH"
    CG = "CG"
    DH = "DH"
    DL = "DL"
    GA = "GA"
    GJ = "GJ"
    HR = "HR"
    HP = "HP"
    JK = "JK"
    JH = "JH"
    KA = "KA"
    KL = "KL"
    LA = "LA"
    LD = "LD"
    MP = "MP"
    MH = "MH"
    MN = "MN"
    ML = "ML"
    MZ = "MZ"
    NL = "NL"
    OD = "OD"
    PY = "PY"
    PB = "PB"
    RJ = "RJ"
    SK = "SK"
    TN = "TN"
    TS = "TS"
    TR = "TR"
    UP = "UP"
    UK = "UK"
    WB = "WB"


# Official name and GST state codes (the first is current). Daman and Diu
# registered under 25 before its 2020 merger with Dadra and Nagar Haveli (26),
# and such GSTINs are still printed on old letterheads.
STATES: dict[IndianState, tuple[str, tuple[str, ...]]] = {
    IndianState.AN: ("Andaman and Nicobar Islands", ("35",)),
    IndianState.AP: ("Andhra Pradesh", ("37",)),
    IndianState.AR: ("Arunachal Pradesh", ("12",)),
    IndianState.AS: ("Assam", ("18",)),
    IndianState.BR: ("Bihar", ("10",)),
    IndianState.CH: ("Chandigarh", ("04",)),
    IndianState.CG: ("Chhattisgarh", ("22",)),
    IndianState.DH: ("Dadra and Nagar Haveli and Daman and Diu", ("26", "25")),
    IndianState.DL: ("Delhi", ("07",)),
    IndianState.GA: ("Goa", ("30",)),
    IndianState.GJ: ("Gujarat", ("24",)),
    IndianState.HR: ("Haryana", ("06",)),
    IndianState.HP: ("Himachal Pradesh", ("02",)),
    IndianState.JK: ("Jammu and Kashmir", ("01",)),
    IndianState.JH: ("Jharkhand", ("20",)),
    IndianState.KA: ("Karnataka", ("29",)),
    IndianState.KL: ("Kerala", ("32",)),
    IndianState.LA: ("Ladakh", ("38",)),
    IndianState.LD: ("Lakshadweep", ("31",)),
    IndianState.MP: ("Madhya Pradesh", ("23",)),
    IndianState.MH: ("Maharashtra", ("27",)),
    IndianState.MN: ("Manipur", ("14",)),
    IndianState.ML: ("Meghalaya", ("17",)),
    IndianState.MZ: ("Mizoram", ("15",)),
    IndianState.NL: ("Nagaland", ("13",)),
    IndianState.OD: ("Odisha", ("21",)),
    IndianState.PY: ("Puducherry", ("34",)),
    IndianState.PB: ("Punjab", ("03",)),
    IndianState.RJ: ("Rajasthan", ("08",)),
    IndianState.SK: ("Sikkim", ("11",)),
    IndianState.TN: ("Tamil Nadu", ("33",)),
    IndianState.TS: ("Telangana", ("36",)),
    IndianState.TR: ("Tripura", ("16",)),
    IndianState.UP: ("Uttar Pradesh", ("09",)),
    IndianState.UK: ("Uttarakhand", ("05",)),
    IndianState.WB: ("West Bengal", ("19",)),
}

# Codes ISO used before its 2020 and 2023 updates, which people still type.
_OLD_CODES = {"CT": "CG", "OR": "OD", "TG": "TS", "UT": "UK", "DD": "DH", "DN": "DH"}
_BY_NAME = {name.casefold(): code for code, (name, _) in STATES.items()}
_BY_NAME.update(
    {"new delhi": IndianState.DL, "pondicherry": IndianState.PY, "orissa": IndianState.OD}
)


def state_from_input(value: object) -> object:
    """`mh`, `Maharashtra` and the old `OR` all mean a state: turn them into its code."""
    if not isinstance(value, str):
        return value
    text = " ".join(value.split())
    upper = text.upper()
    if upper in IndianState.__members__:
        return upper
    if upper in _OLD_CODES:
        return _OLD_CODES[upper]
    return _BY_NAME.get(text.casefold(), value)


def state_name(state: IndianState | str) -> str:
    return STATES[IndianState(state)][0]


def gst_state_code(state: IndianState | str) -> str:
    return STATES[IndianState(state)][1][0]


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


def gstin_matches_state(gstin: str, state: IndianState | str) -> bool:
    return gstin[:2] in STATES[IndianState(state)][1]


PINCODE_PATTERN = r"^[1-9][0-9]{5}$"

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"^[6-9][0-9]{9}$")
# What a phone field accepts once spaces, dashes, dots and brackets are dropped.
MOBILE_INPUT_PATTERN = r"^(\+91|91|0)?[6-9][0-9]{9}$"


def normalise_mobile(raw: str) -> str:
    """`98765 43210`, `098765-43210`, `919876543210`, `+91 98765 43210` → `+919876543210`."""
    digits = _PHONE_SEPARATORS.sub("", raw.strip())
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("+"):
        raise ValueError("only Indian mobile numbers (+91) are accepted")
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not _MOBILE.fullmatch(digits):
        raise ValueError("must be a 10-digit Indian mobile number starting with 6, 7, 8 or 9")
    return "+91" + digits
