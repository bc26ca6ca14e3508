"""The other services the payment service asks: booking, library, tenant, student.

Each call goes through the callee's own `client.py` (docs/internal-api.md);
this module turns their answers into what the payment rules need.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import BaseModel

from studyspot.kit.errors import NotFound
from studyspot.kit.settings import Settings
from studyspot.services.booking.client import BookingClient
from studyspot.services.booking.client import InternalBooking as InternalBooking
from studyspot.services.library.client import LibraryClient, LibraryRecord
from studyspot.services.student.client import InternalStudent, StudentClient
from studyspot.services.tenant.client import TenantClient


class _TenantTax(BaseModel):
    name: str
    gstin: str | None = None


@dataclass(frozen=True)
class Supplier:
    name: str
    gstin: str | None


@dataclass
class Upstream:
    bookings: BookingClient
    library: LibraryClient
    tenant: TenantClient
    students: StudentClient

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            BookingClient(settings, caller="payment"),
            LibraryClient(settings, caller="payment"),
            TenantClient(settings, caller="payment"),
            StudentClient(settings, caller="payment"),
        )

    async def close(self) -> None:
        for client in (self.bookings, self.library, self.tenant, self.students):
            await client.close()

    async def booking(self, tenant_id: uuid.UUID, booking_id: uuid.UUID) -> InternalBooking:
        found = await self.bookings.get_booking(tenant_id, booking_id)
        if found is None or found.tenant_id != tenant_id:
            raise NotFound("No such booking", code="booking_not_found")
        return found

    async def branch(self, tenant_id: uuid.UUID, library_id: uuid.UUID) -> LibraryRecord:
        # Shared: what the invoice prints, not a rule; concurrent payments read it once.
        found = await self.library.get_library(tenant_id, library_id, shared=True)
        if found is None:
            raise NotFound("No such library", code="library_not_found")
        return found

    async def student(self, tenant_id: uuid.UUID, student_id: uuid.UUID) -> InternalStudent | None:
        return await self.students.get_student(tenant_id, student_id, shared=True)

    async def supplier(self, tenant_id: uuid.UUID) -> Supplier:
        # TenantRecord (tenant/client.py) does not carry the GSTIN yet; the internal
        # route answers it, so read the two fields invoices need from the same reply.
        reply = await self.tenant.call("GET", f"/internal/tenants/{tenant_id}", shared=True)
        self.tenant.raise_for_problem(reply, "tenant")
        tax = _TenantTax.model_validate(reply.json())
        return Supplier(tax.name, tax.gstin)
