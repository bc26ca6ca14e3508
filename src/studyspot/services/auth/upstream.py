"""The services auth asks: tenant (signup, the tenant a login names), student and library
(the profile behind `/api/users/me` of students and staff). Each through its client."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from studyspot.kit.settings import Settings
from studyspot.services.student.client import StudentClient
from studyspot.services.tenant.client import TenantClient


def _library_client(settings: Settings) -> Any:
    # TEMPORARY until services/library/client.py lands.
    module = importlib.import_module("studyspot.services.library.client")
    return module.LibraryClient(settings, caller="auth")


@dataclass
class Upstream:
    tenant: TenantClient
    student: StudentClient
    library: Any

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        try:
            library = _library_client(settings)
        except ModuleNotFoundError:
            library = None
        return cls(
            TenantClient(settings, caller="auth"), StudentClient(settings, caller="auth"), library
        )

    async def close(self) -> None:
        for client in (self.tenant, self.student, self.library):
            if client is not None:
                await client.close()
