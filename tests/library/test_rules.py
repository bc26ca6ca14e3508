"""The library service's pure rules: Indian formats, shift windows, GST arithmetic, seat labels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from studyspot.kit.shift_windows import DailyWindow
from studyspot.services.library.india import (
    IndianState,
    gst_state_code,
    gstin_check_character,
    gstin_matches_state,
    gstin_problem,
    normalise_mobile,
    state_from_input,
)
from studyspot.services.library.money import price_breakup
from studyspot.services.library.repository import seat_sort_key
from studyspot.services.library.schemas.libraries import LibraryCreate, OpeningHours
from studyspot.services.library.schemas.seats import SeatBulkCreate
from studyspot.services.library.schemas.shifts import ShiftCreate
from studyspot.services.library.times import local_now, timezone_problem
from tests.fixtures.library import GSTIN_MH, library_body


def test_gstin_with_a_typo_is_refused_by_its_check_character() -> None:
    assert gstin_problem(GSTIN_MH) is None
    typo = GSTIN_MH[:5] + "X" + GSTIN_MH[6:]
    assert gstin_problem(typo) is not None
    assert gstin_check_character(typo[:14]) != typo[14]
    assert gstin_problem("27AAPFU0939F1Z") is not None  # 14 characters


def test_gstin_must_belong_to_the_librarys_state() -> None:
    assert gstin_matches_state(GSTIN_MH, IndianState.MH)
    assert not gstin_matches_state(GSTIN_MH, IndianState.KA)
    with pytest.raises(ValidationError) as caught:
        LibraryCreate.model_validate(library_body(state="KA", gstin=GSTIN_MH))
    assert caught.value.errors()[0]["loc"] == ("gstin",)
    assert "starts with 29" in str(caught.value)


def test_lower_case_gstin_is_accepted_and_stored_upper_case() -> None:
    body = LibraryCreate.model_validate(library_body(gstin=GSTIN_MH.lower()))
    assert body.gstin == GSTIN_MH


def test_states_are_understood_by_code_old_code_or_name() -> None:
    assert state_from_input("mh") == "MH"
    assert state_from_input("Maharashtra") == "MH"
    assert state_from_input("orissa") == "OD"
    assert state_from_input("OR") == "OD"
    assert state_from_input("Tamil  Nadu") == "TN"
    assert gst_state_code(IndianState.DL) == "07"
    assert len(IndianState) == 36
    with pytest.raises(ValidationError):
        LibraryCreate.model_validate(library_body(state="Atlantis"))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9876543210", "+919876543210"),
        ("+91 98765-43210", "+919876543210"),
        ("098765 43210", "+919876543210"),
        ("919876543210", "+919876543210"),
    ],
)
def test_indian_mobiles_are_normalised(typed: str, stored: str) -> None:
    assert normalise_mobile(typed) == stored


@pytest.mark.parametrize("bad", ["5876543210", "98765", "+1 415 555 0100", "98765432101"])
def test_non_mobile_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_mobile(bad)


def test_time_zone_must_be_a_known_iana_zone() -> None:
    assert timezone_problem("Asia/Kolkata") is None
    assert timezone_problem("Asia/Mumbai") is not None
    assert timezone_problem("../../etc/passwd") is not None
    noon_utc = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert local_now("Asia/Kolkata", noon_utc).strftime("%H:%M") == "17:30"


def test_a_night_shift_crosses_midnight() -> None:
    night = DailyWindow.of("22:00", "06:00")
    assert night.crosses_midnight
    assert night.duration == 8 * 60
    assert night.contains_minute(23 * 60) and night.contains_minute(0)
    assert night.contains_minute(5 * 60 + 59)
    assert not night.contains_minute(6 * 60) and not night.contains_minute(12 * 60)
    # Ending at midnight: the last minute of the day is in, midnight itself is not.
    evening = DailyWindow.of("18:00", "00:00")
    assert evening.crosses_midnight and evening.duration == 6 * 60
    assert evening.contains_minute(1439) and not evening.contains_minute(0)


def test_a_day_shift_and_a_full_day() -> None:
    morning = DailyWindow.of("06:00", "14:00")
    assert not morning.crosses_midnight and morning.duration == 480
    assert morning.contains_minute(6 * 60) and not morning.contains_minute(14 * 60)
    full = DailyWindow.of("00:00", "24:00", full_day=True)
    assert full.duration == 1440 and not full.crosses_midnight
    assert full.contains_minute(0) and full.contains_minute(1439)


def test_shift_times_must_describe_one_window() -> None:
    with pytest.raises(ValidationError):
        ShiftCreate.model_validate({"name": "Odd", "start_time": "09:00", "end_time": "09:00"})
    with pytest.raises(ValidationError):
        ShiftCreate.model_validate({"name": "Odd", "start_time": "09:00"})
    with pytest.raises(ValidationError):
        ShiftCreate.model_validate({"name": "Odd", "is_full_day": True, "start_time": "00:00"})
    with pytest.raises(ValidationError):
        ShiftCreate.model_validate({"name": "Odd", "start_time": "24:00", "end_time": "06:00"})
    ShiftCreate.model_validate({"name": "Night", "start_time": "22:00", "end_time": "06:00"})


def test_opening_hours_reject_overlaps_and_backwards_ranges() -> None:
    hours = OpeningHours.model_validate(
        {"monday": [{"opens": "14:00", "closes": "24:00"}, {"opens": "06:00", "closes": "12:00"}]}
    )
    assert [r.opens for r in hours.monday] == ["06:00", "14:00"]
    with pytest.raises(ValidationError):
        OpeningHours.model_validate(
            {
                "monday": [
                    {"opens": "06:00", "closes": "12:00"},
                    {"opens": "11:00", "closes": "20:00"},
                ]
            }
        )
    with pytest.raises(ValidationError):
        OpeningHours.model_validate({"friday": [{"opens": "22:00", "closes": "02:00"}]})


def test_gst_inclusive_price_keeps_the_total_exact() -> None:
    # ₹1,500 including 18 %: 1,271.19 taxable + 228.81 GST.
    split = price_breakup(150_000, 18, True)
    assert (split.taxable_value_paise, split.gst_paise, split.total_paise) == (
        127_119,
        22_881,
        150_000,
    )


def test_gst_exclusive_price_rounds_half_up_to_the_paisa() -> None:
    # ₹999.99 + 5 % = 49.9995 → 50.00 GST.
    split = price_breakup(99_999, 5, False)
    assert (split.taxable_value_paise, split.gst_paise, split.total_paise) == (
        99_999,
        5_000,
        104_999,
    )
    assert price_breakup(1_000, 0, False).gst_paise == 0


def test_seat_labels_sort_naturally() -> None:
    labels = ["A10", "B1", "a2", "A1", "A100"]
    assert sorted(labels, key=seat_sort_key) == ["A1", "a2", "A10", "A100", "B1"]


def test_bulk_pattern_makes_padded_labels_and_refuses_too_many() -> None:
    bulk = SeatBulkCreate.model_validate({"prefix": "C", "from": 1, "to": 12, "pad": 2})
    assert bulk.labels()[:2] == ["C01", "C02"] and bulk.labels()[-1] == "C12"
    with pytest.raises(ValidationError):
        SeatBulkCreate.model_validate({"prefix": "A", "from": 1, "to": 1001})
    with pytest.raises(ValidationError):
        SeatBulkCreate.model_validate({"prefix": "A", "from": 10, "to": 1})
    with pytest.raises(ValidationError):
        SeatBulkCreate.model_validate(
            {"prefix": "A", "from": 1, "to": 5, "row": 1, "first_column": 499}
        )
