"""Phone numbers and identity documents as people type them."""

from __future__ import annotations

import pytest

from studyspot.services.student.id_proofs import (
    IdProofType,
    mask_id_proof,
    normalise_id_proof,
    verhoeff_valid,
)
from studyspot.services.student.phones import normalise_phone, phone_search_digits
from tests.fixtures.students import aadhaar


@pytest.mark.parametrize(
    "typed",
    [
        "9876543210",
        "09876543210",
        "919876543210",
        "+919876543210",
        "+91 98765-43210",
        "98765 43210",
    ],
)
def test_every_usual_spelling_of_a_mobile_becomes_plus_91(typed: str) -> None:
    assert normalise_phone(typed) == "+919876543210"


@pytest.mark.parametrize(
    "typed", ["5876543210", "987654321", "98765432101", "+14155550100", "phone", "+91 12345 67890"]
)
def test_numbers_that_are_not_indian_mobiles_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(typed)


def test_search_box_digits_are_read_as_a_phone_fragment() -> None:
    assert phone_search_digits("+91 98765 43210") == "9876543210"
    assert phone_search_digits("3210") == "3210"
    assert phone_search_digits("Priya") is None
    assert phone_search_digits("12") is None


def test_aadhaar_needs_a_matching_check_digit() -> None:
    good = aadhaar(34567890123)
    assert verhoeff_valid(good)
    spaced = f"{good[:4]} {good[4:8]} {good[8:]}"
    assert normalise_id_proof(IdProofType.aadhaar, spaced) == good
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValueError, match="check digit"):
        normalise_id_proof(IdProofType.aadhaar, wrong)


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        (IdProofType.pan, "abcde1234f", "ABCDE1234F"),
        (IdProofType.passport, "k1234567", "K1234567"),
        (IdProofType.driving_licence, "MH14 20110062821", "MH1420110062821"),
        (IdProofType.voter_id, "abc1234567", "ABC1234567"),
        (IdProofType.other, "college-id 42/7", "COLLEGEID42/7"),
    ],
)
def test_id_numbers_are_normalised_per_document(kind: IdProofType, typed: str, stored: str) -> None:
    assert normalise_id_proof(kind, typed) == stored


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        (IdProofType.pan, "ABCD1234F"),
        (IdProofType.passport, "12345678"),
        (IdProofType.voter_id, "AB12345678"),
        (IdProofType.aadhaar, "123456789012"),
    ],
)
def test_malformed_id_numbers_are_refused(kind: IdProofType, typed: str) -> None:
    with pytest.raises(ValueError):
        normalise_id_proof(kind, typed)


def test_mask_keeps_only_the_last_four_characters() -> None:
    assert mask_id_proof("234567890123") == "XXXXXXXX0123"
    assert mask_id_proof("ABCDE1234F") == "XXXXXX234F"
    assert mask_id_proof(None) is None
