"""Library staff: managers and desk staff, assigned to branches."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.schemas import WriteModel
from studyspot.services.library.schemas.common import Email, Flag, IndianMobile, Name, not_null

StaffRole = Literal["manager", "staff"]
MAX_BRANCHES = 50
LibraryIds = Annotated[
    list[uuid.UUID],
    Field(min_length=1, max_length=MAX_BRANCHES, description="Branches this person works at"),
]


def _distinct(ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
    if ids is not None and len(set(ids)) != len(ids):
        raise ValueError("lists a library twice")
    return ids


class StaffCreate(WriteModel):
    """A login is made for the person and a set-password link sent to them."""

    name: Name
    email: Email | None = None
    phone: IndianMobile | None = None
    role: StaffRole
    library_ids: LibraryIds

    check_distinct = field_validator("library_ids")(_distinct)

    @model_validator(mode="after")
    def _login_name(self) -> StaffCreate:
        if self.email is None and self.phone is None:
            raise ValueError("give an email or a phone: the person logs in with it")
        return self


class StaffUpdate(WriteModel):
    """Fields left out keep their value. `is_active: false` ends the person's sessions."""

    name: Name | SkipJsonSchema[None] = None
    email: Email | None = None
    phone: IndianMobile | None = None
    role: StaffRole | SkipJsonSchema[None] = None
    library_ids: LibraryIds | SkipJsonSchema[None] = None
    is_active: Flag | SkipJsonSchema[None] = None

    check_not_null = field_validator("name", "role", "library_ids", "is_active")(not_null)
    check_distinct = field_validator("library_ids")(_distinct)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class StaffRead(BaseModel):
    id: uuid.UUID
    name: str = Field(max_length=120)
    email: str | None = Field(max_length=254)
    phone: str | None = Field(pattern=r"^\+91[6-9][0-9]{9}$")
    role: StaffRole
    library_ids: list[uuid.UUID]
    is_active: bool
    invited_at: datetime | None = Field(description="When the last set-password link was sent")
    created_at: datetime
    updated_at: datetime


class StaffSelfUpdate(WriteModel):
    """Body of the internal `PATCH /internal/staff/{id}`: a person's own name and phone."""

    name: Name | SkipJsonSchema[None] = None
    phone: IndianMobile | SkipJsonSchema[None] = None

    check_not_null = field_validator("name", "phone")(not_null)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)
