"""Request and response models of the tenant service's public API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
)

from studyspot.kit.pagination import Page
from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.services.tenant import gstin as gstin_rules
from studyspot.services.tenant.client import Phone, TenantStatus


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _valid_gstin(value: str) -> str:
    if not gstin_rules.is_valid(value):
        raise ValueError("not a valid GSTIN (format or check character)")
    return value


Gstin = Annotated[
    str,
    Field(
        min_length=15,
        max_length=15,
        pattern=gstin_rules.PATTERN,
        description="15-character GSTIN (upper case); the check character is verified.",
        examples=["27AAPFU0939F1ZV"],
    ),
    BeforeValidator(_upper),
]
_ISO_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_8601_only(value: object) -> object:
    # Pydantic would also read 1700000000 or "0.5" as Unix times; the contract is ISO 8601.
    if isinstance(value, (int, float)) or (
        isinstance(value, str) and not _ISO_DATETIME.match(value)
    ):
        raise ValueError(
            "must be an ISO 8601 date-time with offset, e.g. 2026-03-01T09:00:00+05:30"
        )
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_8601_only)]
# Bodies are whitespace-trimmed, so "some non-space character" is what min_length=1 means.
TenantName = Annotated[str, Field(min_length=1, max_length=120, pattern=r"\S")]
ContactEmail = Annotated[EmailStr, Field(max_length=254)]

_NOT_NULL = frozenset({"name", "contact_email"})


def _not_nullable_in_schema(schema: dict[str, Any]) -> None:
    """Partial updates declare `X | None` so that omitted fields default to None (and field
    errors keep plain paths); the document must still say that null is not accepted."""
    for name, prop in schema.get("properties", {}).items():
        if name not in _NOT_NULL or "anyOf" not in prop:
            continue
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1:
            rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
            prop.clear()
            prop.update({**branches[0], **rest})


class TenantCreate(WriteModel):
    """A tenant made by a platform admin; like a signup, its subscription starts on the
    trial plan (the subscription service's)."""

    name: TenantName
    contact_email: ContactEmail
    phone: Phone | None = None
    gstin: Gstin | None = None

    @field_validator("gstin")
    @classmethod
    def _check_gstin(cls, value: str | None) -> str | None:
        return None if value is None else _valid_gstin(value)


class TenantOwnerUpdate(WriteModel):
    """What an owner, or a platform admin, may change about a tenant. Omitted fields stay
    as they are; `phone` and `gstin` may be set to null to clear them. The plan, trial and
    limits are the subscription service's (`PATCH /api/v1/subscriptions/tenants/{id}/limits`);
    naming them here is 422 like any unknown field."""

    model_config = ConfigDict(json_schema_extra=_not_nullable_in_schema)

    name: TenantName | None = None
    contact_email: ContactEmail | None = None
    phone: Phone | None = None
    gstin: Gstin | None = None

    @field_validator("gstin")
    @classmethod
    def _check_gstin(cls, value: str | None) -> str | None:
        return None if value is None else _valid_gstin(value)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Validators do not run on defaults, so this only sees an explicit null.
        if value is None and info.field_name in _NOT_NULL:
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


class SuspendRequest(WriteModel):
    reason: str = Field(
        min_length=1,
        max_length=500,
        pattern=r"\S",
        description="Why; kept on the tenant and in the audit log.",
    )


class OwnTenantRead(ReadModel):
    """The tenant as its owner sees it. Its plan, trial and limits are its subscription's
    (`GET /api/v1/subscriptions/current`)."""

    id: uuid.UUID
    slug: str = Field(max_length=64, description="Names the tenant in staff and student logins.")
    name: str = Field(max_length=120)
    status: TenantStatus
    contact_email: str = Field(max_length=254)
    phone: str | None = Field(max_length=16)
    gstin: str | None = Field(max_length=15)
    created_at: datetime
    updated_at: datetime


class TenantRead(OwnTenantRead):
    """The tenant as the platform team sees it."""

    database_key: str | None = Field(
        max_length=48,
        description="Null while the tenant lives in the shared database; "
        "otherwise the key of its dedicated database.",
    )
    suspended_at: datetime | None
    suspension_reason: str | None = Field(max_length=500)


TenantSort = Literal["name", "-name", "created_at", "-created_at", "status", "-status"]


class AuditLogRead(ReadModel):
    id: uuid.UUID
    source: Literal["platform", "tenant"] = Field(
        description="`platform`: the core database (logins, suspensions, …); "
        "`tenant`: the tenant's own database (its bookings, payments, …)."
    )
    tenant_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    actor_type: str | None = Field(max_length=32)
    action: str = Field(max_length=64)
    resource_type: str = Field(max_length=64)
    resource_id: str | None = Field(max_length=64)
    outcome: str = Field(max_length=16)
    ip: str | None = Field(max_length=64)
    request_id: str | None = Field(max_length=128)
    details: dict[str, Any]
    created_at: datetime


class AuditLogPage(Page[AuditLogRead]):
    next_after: str | None = Field(
        description="Cursor of the following page: pass it as `?after=`; null on the last page. "
        "Reading on by cursor costs the same at any depth; `page` reaches only the first "
        "10,000 entries."
    )
