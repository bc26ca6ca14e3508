"""Indian address and tax facts a branch needs: states with their GST codes, GSTIN, mobiles."""

from __future__ import annotations

import re
from enum import StrEnum


class IndianState(StrEnum):
    """States and union territories by their official names (GST place of supply)."""

    andaman_and_nicobar_islands = "Andaman and Nicobar Islands"
    andhra_pradesh = "Andhra Pradesh"
    arunachal_pradesh = "Arunachal Pradesh"
    assam = "Assam"
    bihar = "Bihar"
    chandigarh = "Chandigarh"
    chhattisgarh = "Chhattisgarh"
    dadra_nagar_haveli_daman_diu = "Dadra and Nagar Haveli and Daman and Diu"
    delhi = "Delhi"
    goa = "Goa"
    gujarat = "Gujarat"
    haryana = "Haryana"
    himachal_pradesh = "Himachal Pradesh"
    jammu_and_kashmir = "Jammu and Kashmir"
    jharkhand = "Jharkhand"
    karnataka = "Karnataka"
    kerala = "Kerala"
    ladakh = "Ladakh"
    lakshadweep = "Lakshadweep"
    madhya_pradesh = "Madhya Pradesh"
    maharashtra = "Maharashtra"
    manipur = "Manipur"
    meghalaya = "Meghalaya"
    mizoram = "Mizoram"
    nagaland = "Nagaland"
    odisha = "Odisha"
    puducherry = "Puducherry"
    punjab = "Punjab"
    rajasthan = "Rajasthan"
    sikkim = "Sikkim"
    tamil_nadu = "Tamil Nadu"
    telangana = "Telangana"
    tripura = "Tripura"
    uttar_pradesh = "Uttar Pradesh"
    uttarakhand = "Uttarakhand"
    west_bengal = "West Bengal"


# GST state codes; the first is current. Daman and Diu registered under 25
# before its 2020 merger with Dadra and Nagar Haveli (26), and such GSTINs exist.
GST_STATE_CODES: dict[IndianState, tuple[str, ...]] = {
    IndianState.jammu_and_kashmir: ("01",),
    IndianState.himachal_pradesh: ("02",),
    IndianState.punjab: ("03",),
    IndianState.chandigarh: ("04",),
    IndianState.uttarakhand: ("05",),
    IndianState.haryana: ("06",),
    IndianState.delhi: ("07",),
    IndianState.rajasthan: ("08",),
    IndianState.uttar_pradesh: ("09",),
    IndianState.bihar: ("10",),
    IndianState.sikkim: ("11",),
    IndianState.arunachal_pradesh: ("12",),
    IndianState.nagaland: ("13",),
    IndianState.manipur: ("14",),
    IndianState.mizoram: ("15",),
    IndianState.tripura: ("16",),
    IndianState.meghalaya: ("17",),
    IndianState.assam: ("18",),
    IndianState.west_bengal: ("19",),
    IndianState.jharkhand: ("20",),
    IndianState.odisha: ("21",),
    IndianState.chhattisgarh: ("22",),
    IndianState.madhya_pradesh: ("23",),
    IndianState.gujarat: ("24",),
    IndianState.dadra_nagar_haveli_daman_diu: ("26", "25"),
    IndianState.maharashtra: ("27",),
    IndianState.karnataka: ("29",),
    IndianState.goa: ("30",),
    IndianState.lakshadweep: ("31",),
    IndianState.kerala: ("32",),
    IndianState.tamil_nadu: ("33",),
    IndianState.puducherry: ("34",),
    IndianState.andaman_and_nicobar_islands: ("35",),
    IndianState.telangana: ("36",),
    IndianState.andhra_pradesh: ("37",),
    IndianState.ladakh: ("38",),
}


def gst_state_code(state: IndianState | str) -> str:
    return GST_STATE_CODES[IndianState(state)][0]


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
    return gstin[:2] in GST_STATE_CODES[IndianState(state)]


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
