"""The tenant service's client: the only module other services import.

It also holds the contract types of the internal API (docs/internal-api.md), so
caller and callee validate the same shapes.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field

from studyspot.kit.service_client import ServiceClient

# Whether the platform lets the tenant work; its trial and plan are its subscription's.
TenantStatus = Literal["active", "suspended", "migrating", "closed"]

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_INDIAN_NUMBER = re.compile(r"^(?:\+91|91|0)?([1-9][0-9]{9})$")


def _normalise_phone(value: object) -> object:
    """`098765 43210`, `91-9876543210`, `+91 98765 43210` → `+919876543210`.

    One number gets one spelling (E.164), the same one the auth service stores;
    anything else is left for the pattern to refuse.
    """
    if not isinstance(value, str):
        return value
    compact = _PHONE_SEPARATORS.sub("", value)
    indian = _INDIAN_NUMBER.fullmatch(compact)
    if indian:
        return "+91" + indian.group(1)
    return compact if compact.startswith("+") else value


Phone = Annotated[
    str,
    Field(
        pattern=r"^\+[1-9][0-9]{9,14}$",
        max_length=16,
        description="E.164, e.g. +919876543210; a ten-digit Indian number may be given "
        "without +91, and spaces or dashes are dropped.",
        examples=["+919876543210"],
    ),
    BeforeValidator(_normalise_phone),
]


class NewTenant(BaseModel):
    """Body of `POST /internal/tenants` (a library owner signing up)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(
        min_length=1, max_length=120, pattern=r"\S", description="Business name of the library."
    )
    contact_email: EmailStr = Field(max_length=254)
    phone: Phone | None = None


class TenantRecord(BaseModel):
    """A tenant as other services see it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str = Field(max_length=64)
    name: str = Field(max_length=120)
    status: TenantStatus
    contact_email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=16)
    created_at: datetime


class TenantClient(ServiceClient):
    service = "tenant"

    async def create_tenant(
        self, *, name: str, contact_email: str, phone: str | None = None
    ) -> TenantRecord:
        """A new tenant (status `active`). Its subscription, on the trial plan for 14 days,
        is the subscription service's (opened for it, or answered by the entitlement check
        until then)."""
        body = NewTenant(name=name, contact_email=contact_email, phone=phone)
        reply = await self.call(
            "POST", "/internal/tenants", json=body.model_dump(mode="json", exclude_none=True)
        )
        self.raise_for_problem(reply, self.service)
        return TenantRecord.model_validate(reply.json())

    async def delete_tenant(self, tenant_id: uuid.UUID) -> None:
        """Compensation for a signup that failed after its tenant was made; idempotent."""
        reply = await self.call("DELETE", f"/internal/tenants/{tenant_id}")
        self.raise_for_problem(reply, self.service)

    async def get_tenant(self, tenant_id: uuid.UUID) -> TenantRecord:
        """The tenant, or an AppError 404 `tenant_not_found`."""
        reply = await self.call("GET", f"/internal/tenants/{tenant_id}")
        self.raise_for_problem(reply, self.service)
        return TenantRecord.model_validate(reply.json())

    async def find_tenant_by_slug(self, slug: str) -> TenantRecord | None:
        """The tenant a staff or student login names, or None when no tenant has that slug."""
        reply = await self.call("GET", "/internal/tenants/by-slug", params={"slug": slug})
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return TenantRecord.model_validate(reply.json())
