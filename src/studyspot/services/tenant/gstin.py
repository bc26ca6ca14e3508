"""GSTIN format and check character (shared with the library service through the kit)."""

from __future__ import annotations

from studyspot.kit.india import GSTIN_PATTERN as PATTERN
from studyspot.kit.india import gstin_problem

__all__ = ["PATTERN", "is_valid"]


def is_valid(value: str) -> bool:
    return gstin_problem(value) is None
