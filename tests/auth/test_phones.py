"""The documented phone pattern and the normaliser agree on every input."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from studyspot.kit.india import INDIAN_MOBILE_INPUT
from studyspot.kit.india import normalise_mobile as normalise_phone

STORED = re.compile(r"^\+91[6-9][0-9]{9}$")


@given(st.from_regex(INDIAN_MOBILE_INPUT, fullmatch=True))
def test_every_spelling_the_document_allows_is_stored_as_plus_91(raw: str) -> None:
    assert STORED.fullmatch(normalise_phone(raw))


@given(st.text(alphabet="0123456789+ ().-", max_size=20))
def test_the_normaliser_accepts_nothing_the_document_refuses(raw: str) -> None:
    try:
        normalise_phone(raw)
    except ValueError:
        return
    assert re.fullmatch(INDIAN_MOBILE_INPUT, raw)


def test_the_spellings_people_type() -> None:
    for typed in ("98765 43210", "098765-43210", "919876543210", "+91 (98765) 43210"):
        assert normalise_phone(typed) == "+919876543210"
