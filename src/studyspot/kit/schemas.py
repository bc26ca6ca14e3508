"""Base request/response models: writes reject unknown fields, reads come from ORM rows."""

from __future__ import annotations

import email_validator
from pydantic import BaseModel, ConfigDict

# The documented format is RFC 5322 `email`; a syntactically valid address on a
# special-use domain (`.test`, `.local`) is still an address a library may hold.
email_validator.SPECIAL_USE_DOMAIN_NAMES.clear()


class WriteModel(BaseModel):
    """Request bodies: unknown fields are a 422, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
