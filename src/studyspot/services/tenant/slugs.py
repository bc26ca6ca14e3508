"""Tenant slugs: a url-safe form of the name plus a short random suffix.

The suffix keeps two "Lakshya Library"s apart and makes slugs unguessable
enough that a slug alone tells nobody which tenants exist.
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata

SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
SUFFIX_LENGTH = 6
_BASE_MAX = 48
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def slug_base(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")
    # A name in Devanagari has no ASCII letters left; the slug still has to read as a word.
    return base[:_BASE_MAX].rstrip("-") or "library"


def new_slug(name: str) -> str:
    suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{slug_base(name)}-{suffix}"
