"""What a student can be found by, and how a search box is read.

Names are split into case-folded words; a search for "priya ver" finds
students with a word starting "priya" and a word starting "ver". Phones are
stored forwards (`+9876543210`) and backwards (`-0123456789`), so digits typed
from the start or from the end of a number are both prefix searches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studyspot.services.student.phones import phone_search_digits

# Greater than every character, so [prefix, prefix + HIGHEST) is "starts with prefix".
HIGHEST = "\U0010ffff"
MAX_TERM = 128
MAX_QUERY_WORDS = 5
_WORD = re.compile(r"\w+")
_ENROLLMENT = re.compile(r"^stu-?(\d{1,9})$")


def name_words(name: str) -> list[str]:
    return sorted({w[:MAX_TERM] for w in _WORD.findall(name.casefold())})


def phone_terms(phone: str | None) -> list[str]:
    if not phone:
        return []
    digits = phone.removeprefix("+91")
    return ["+" + digits, "-" + digits[::-1]]


def terms_for(name: str, phone: str | None) -> list[str]:
    return name_words(name) + phone_terms(phone)


@dataclass(frozen=True)
class Search:
    """A search box read as exactly one of: enrollment number, phone digits, name words."""

    enrollment_seq: int | None = None
    full_phone: str | None = None
    phone_prefixes: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    @property
    def matches_nothing(self) -> bool:
        return (
            self.enrollment_seq is None
            and self.full_phone is None
            and not self.phone_prefixes
            and not self.words
        )


def read_search(raw: str) -> Search:
    q = raw.strip()
    enrollment = _ENROLLMENT.fullmatch(q.casefold())
    if enrollment:
        return Search(enrollment_seq=int(enrollment.group(1)))
    digits = phone_search_digits(q)
    if digits is not None:
        if len(digits) == 10:
            return Search(full_phone="+91" + digits)
        # Digits from the start of the number, or from its end.
        return Search(phone_prefixes=("+" + digits, "-" + digits[::-1]))
    words = sorted({w[:MAX_TERM] for w in _WORD.findall(q.casefold())}, key=len, reverse=True)
    return Search(words=tuple(words[:MAX_QUERY_WORDS]))
