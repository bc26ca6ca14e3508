"""The services auth asks: tenant (signup, the tenant a login names), student and library
(the profile behind `/api/users/me` of students and staff). Each through its client."""

from __future__ import annotations

from dataclasses import dataclass

from studyspot.kit.settings import Settings
from studyspot.services.library.client import LibraryClient
from studyspot.services.library.client import StaffRecord as StaffRecord
from studyspot.services.library.client import StaffRole as StaffRole
from studyspot.services.student.client import InternalStudent as InternalStudent
from studyspot.services.student.client import StudentClient
from studyspot.services.student.client import StudentStatus as StudentStatus
from studyspot.services.tenant.client import TenantClient as TenantClient
from studyspot.services.tenant.client import TenantStatus as TenantStatus


@dataclass
class Upstream:
    tenant: TenantClient
    student: StudentClient
    library: LibraryClient

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            TenantClient(settings, caller="auth"),
            StudentClient(settings, caller="auth"),
            LibraryClient(settings, caller="auth"),
        )

    async def close(self) -> None:
        for client in (self.tenant, self.student, self.library):
            await client.close()
