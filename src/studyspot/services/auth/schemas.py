"""Request and response models of the auth service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from studyspot.kit.passwords import BCRYPT_MAX_BYTES, MIN_PASSWORD_CHARS, password_problem
from studyspot.kit.permissions import Role, UserType
from studyspot.kit.schemas import WriteModel
from studyspot.services.auth.fields import NAME_MAX, Email, Name, Phone
from studyspot.services.auth.upstream import StaffRole, StudentStatus, TenantStatus


def _password_fits(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _fits_bcrypt(value: str) -> str:
    if len(value.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise ValueError(f"must be at most {BCRYPT_MAX_BYTES} bytes in UTF-8")
    return value


TenantSlug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$",
        description="The library business's slug, as in its login link (any case).",
        examples=["lakshya-library-x7k2qp"],
    ),
    AfterValidator(str.lower),
]
# Passwords are taken exactly as typed: no trimming, the 72-byte bcrypt limit checked, never cut.
NewPassword = Annotated[
    str,
    StringConstraints(
        strip_whitespace=False, min_length=MIN_PASSWORD_CHARS, max_length=BCRYPT_MAX_BYTES
    ),
    AfterValidator(_password_fits),
]
GivenPassword = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=BCRYPT_MAX_BYTES),
    AfterValidator(_fits_bcrypt),
]
OpaqueToken = Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]
TenantLoginType = Literal["library_owner", "library_staff", "student"]
PlatformRole = Literal["platform_admin", "platform_staff"]

_TENANT_MEMBERS = ("library_staff", "student")
_SLUG_NEEDED = "is required for library_staff and student logins"


def _login_name_rules(*types_without_slug: str) -> JsonDict:
    """The cross-field rules as JSON Schema, so the document (and fuzzers) know them too."""
    return {
        "allOf": [
            {"anyOf": [{"required": ["email"]}, {"required": ["phone"]}]},
            {
                "anyOf": [
                    {"properties": {"user_type": {"enum": list(types_without_slug)}}},
                    {
                        "required": ["tenant_slug"],
                        "properties": {"tenant_slug": {"type": "string"}},
                    },
                ]
            },
        ]
    }


class _LoginName(WriteModel):
    """Who is logging in: e-mail or phone (e-mail wins when both are given), and for staff
    and students the tenant's slug. Owners and platform users have e-mail logins only."""

    email: Annotated[Email, Field(default=None)]
    phone: Annotated[Phone, Field(default=None)]

    @model_validator(mode="after")
    def _a_login_name(self) -> _LoginName:
        if self.email is None and self.phone is None:
            raise ValueError("give email or phone")
        return self

    @property
    def login_name(self) -> str:
        return self.email or self.phone or ""


class LoginRequest(_LoginName):
    model_config = ConfigDict(
        json_schema_extra=_login_name_rules("library_owner"),
    )

    password: GivenPassword
    user_type: TenantLoginType = "library_owner"
    tenant_slug: TenantSlug | None = Field(
        default=None,
        validate_default=True,
        description="The library business's slug; required for library_staff and student.",
    )

    @field_validator("tenant_slug")
    @classmethod
    def _slug_when_needed(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("user_type") in _TENANT_MEMBERS and value is None:
            raise ValueError(_SLUG_NEEDED)
        return value


class PlatformLoginRequest(WriteModel):
    email: Email
    password: GivenPassword


class ForgotPasswordRequest(_LoginName):
    model_config = ConfigDict(
        json_schema_extra=_login_name_rules("library_owner", "platform_admin", "platform_staff"),
    )

    user_type: UserType = UserType.library_owner
    tenant_slug: TenantSlug | None = Field(
        default=None,
        validate_default=True,
        description="The library business's slug; required for library_staff and student.",
    )

    @field_validator("tenant_slug")
    @classmethod
    def _slug_when_needed(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("user_type") in _TENANT_MEMBERS and value is None:
            raise ValueError(_SLUG_NEEDED)
        return value


class RegisterRequest(WriteModel):
    email: Email
    password: NewPassword
    name: Name = Field(description="The owner's own name.")
    business_name: Annotated[str, Field(min_length=2, max_length=NAME_MAX)] = Field(
        description="Name of the library business; becomes the tenant."
    )
    phone: Phone | None = None


class RefreshRequest(WriteModel):
    refresh_token: OpaqueToken


class LogoutRequest(WriteModel):
    refresh_token: OpaqueToken


class ResetPasswordRequest(WriteModel):
    token: OpaqueToken = Field(description="The secret from the reset or invite message.")
    new_password: NewPassword


class ChangePasswordRequest(WriteModel):
    current_password: GivenPassword
    new_password: NewPassword


class MeUpdate(WriteModel):
    """The caller's own profile. Fields left out stay; owners may set `phone` to null.

    The phone is a login and a channel for reset links: changing it needs the
    current password, so a borrowed session cannot take the account over.
    """

    # Never null: a name can change but not be removed. Left out, it is not part of the change.
    name: Annotated[Name, Field(default=None)]
    phone: Phone | None = None
    current_password: GivenPassword | None = Field(
        default=None, description="The caller's password; required when `phone` is given."
    )


class UserSummary(BaseModel):
    id: uuid.UUID
    email: str | None
    name: str
    user_type: UserType
    tenant_id: uuid.UUID | None
    roles: list[Role]


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(ge=1, description="Seconds until the access token expires.")
    user: UserSummary


class TenantSummary(BaseModel):
    id: uuid.UUID
    slug: str = Field(max_length=64, description="Names the tenant in staff and student logins.")
    name: str = Field(max_length=120)
    status: TenantStatus


class RegisterResponse(TokenResponse):
    tenant: TenantSummary


class _MeBase(BaseModel):
    id: uuid.UUID
    email: str | None
    name: str
    phone: str | None
    tenant_id: uuid.UUID | None
    roles: list[Role]
    permissions: list[str]


class OwnerMe(_MeBase):
    user_type: Literal["library_owner"]
    created_at: datetime
    last_login_at: datetime | None


class PlatformMe(_MeBase):
    user_type: PlatformRole
    created_at: datetime
    last_login_at: datetime | None


class StudentMe(_MeBase):
    user_type: Literal["student"]
    status: StudentStatus
    enrollment_number: str = Field(max_length=16)
    home_library_id: uuid.UUID


class StaffMe(_MeBase):
    user_type: Literal["library_staff"]
    role: StaffRole
    library_ids: list[uuid.UUID]


Me = Annotated[OwnerMe | PlatformMe | StudentMe | StaffMe, Field(discriminator="user_type")]
