"""Indian address and tax facts a branch needs: states with their GST codes, GSTIN, mobiles."""

from __future__ import annotations

from enum import StrEnum

# Formats shared with every service live in the kit; states and GST state codes live here.
from studyspot.kit.india import (
    GSTIN_PATTERN,
    gstin_check_character,
    gstin_problem,
    normalise_mobile,
)

__all__ = [
    "GSTIN_PATTERN",
    "PINCODE_PATTERN",
    "IndianState",
    "gst_state_code",
    "gstin_check_character",
    "gstin_matches_state",
    "gstin_problem",
    "normalise_mobile",
    "state_from_input",
    "state_name",
]


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


def gstin_matches_state(gstin: str, state: IndianState | str) -> bool:
    return gstin[:2] in STATES[IndianState(state)][1]


PINCODE_PATTERN = r"^[1-9][0-9]{5}$"

# What a phone field accepts once spaces, dashes, dots and brackets are dropped.
MOBILE_INPUT_PATTERN = r"^(\+91|91|0)?[6-9][0-9]{9}$"
