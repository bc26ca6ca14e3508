"""The services the library service asks: tenant (plan limits), auth (staff logins), booking (seats taken)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from fastapi import FastAPI, Request

from studyspot.kit.settings import Settings
from studyspot.services.auth.client import AuthClient
from studyspot.services.booking.client import BookingClient
from studyspot.services.tenant.client import TenantClient

STAFF_TABLE: Final = "library_staff"


@dataclass(frozen=True)
class PlanLimits:
    max_libraries: int
    max_seats: int


@dataclass
class Upstream:
    tenant: TenantClient
    auth: AuthClient
    booking: BookingClient

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            TenantClient(settings, caller="library"),
            AuthClient(settings, caller="library"),
            BookingClient(settings, caller="library"),
        )

    async def close(self) -> None:
        await self.tenant.close()
        await self.auth.close()
        await self.booking.close()

    async def plan_limits(self, tenant_id: uuid.UUID) -> PlanLimits:
        tenant = await self.tenant.get_tenant(tenant_id)
        return PlanLimits(tenant.max_libraries, tenant.max_seats)


def upstream_of(app: FastAPI) -> Upstream:
    found: Upstream = app.state.library_upstream
    return found


def request_upstream(request: Request) -> Upstream:
    return upstream_of(request.app)
