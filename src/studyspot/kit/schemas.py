"""Base request/response models: writes reject unknown fields, reads come from ORM rows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WriteModel(BaseModel):
    """Request bodies: unknown fields are a 422, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
