"""The services the library service asks: subscription (plan limits, through the kit), auth (staff logins), booking
(seats taken), attendance (checked in now)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from fastapi import FastAPI, Request

from studyspot.kit.db import Database
from studyspot.kit.entitlements import Entitlements, entitlements_of
from studyspot.kit.settings import Settings
from studyspot.services.attendance.client import AttendanceClient
from studyspot.services.attendance.client import CheckedInNow as CheckedInNow
from studyspot.services.auth.client import AuthClient
from studyspot.services.booking.client import BookingClient
from studyspot.services.booking.client import OccupancyLibrary as OccupancyLibrary
from studyspot.services.booking.client import OccupancyNow as OccupancyNow
from studyspot.services.booking.client import OccupancyQuery as OccupancyQuery
from studyspot.services.booking.client import OccupancyShift as OccupancyShift
from studyspot.services.booking.client import SeatsTaken as SeatsTaken
from studyspot.services.tenant.client import TenantClient

STAFF_TABLE: Final = "library_staff"


@dataclass
class Upstream:
    tenant: TenantClient
    auth: AuthClient
    booking: BookingClient
    attendance: AttendanceClient
    # The core database, for the kit's entitlement check (set by app.py).
    core: Database | None = None

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            TenantClient(settings, caller="library"),
            AuthClient(settings, caller="library"),
            BookingClient(settings, caller="library"),
            AttendanceClient(settings, caller="library"),
        )

    async def close(self) -> None:
        await self.tenant.close()
        await self.auth.close()
        await self.booking.close()
        await self.attendance.close()

    async def entitlements(self, tenant_id: uuid.UUID) -> Entitlements:
        """What the tenant's subscription allows (kit/entitlements.py, cached per process)."""
        assert self.core is not None, "Upstream.core is set when the app is built"
        return await entitlements_of(self.core, tenant_id)


def upstream_of(app: FastAPI) -> Upstream:
    found: Upstream = app.state.library_upstream
    return found


async def request_upstream(request: Request) -> Upstream:
    return upstream_of(request.app)
