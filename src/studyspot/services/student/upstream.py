"""The other services the student service asks: library (branches, staff), auth (logins),
tenant (plan), booking (whose plan runs out), payment (dues and payment history),
attendance (history), message (message consent, for the export).

Each call goes through the callee's own `client.py`; this module turns their
answers into the student service's decisions and errors, so the rules in
service.py read without HTTP details.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

from studyspot.kit.db import Database
from studyspot.kit.entitlements import Entitlements, entitlements_of
from studyspot.kit.errors import AppError, Unprocessable
from studyspot.kit.service_client import ServiceClient, inside_transaction
from studyspot.kit.settings import Settings
from studyspot.kit.state import HealthCheck
from studyspot.services.attendance.client import AttendanceClient
from studyspot.services.attendance.client import AttendanceHistory as AttendanceHistory
from studyspot.services.auth.client import AuthClient
from studyspot.services.booking.client import BookingClient
from studyspot.services.library.client import LibraryClient
from studyspot.services.message.client import MAX_CONSENT_LOOKUP as MAX_CONSENT_LOOKUP
from studyspot.services.message.client import MessageClient as MessageClient
from studyspot.services.message.client import StudentChannels as StudentChannels
from studyspot.services.payment.client import InternalPayment as InternalPayment
from studyspot.services.payment.client import InternalPaymentPage, PaymentClient
from studyspot.services.student.errors import SourceUnavailable
from studyspot.services.student.models import Student
from studyspot.services.tenant.client import TenantClient

USER_TABLE: Final = "students"
STUDENT_ROLES = ["student"]
# A student's login lives in auth's core database, another database than the student
# service's unit of work: it is made, changed or erased after the student's row was (and
# locked), inside that transaction, so that an error rolls both back or is compensated.
_LOGIN_WITH_ROW = "the student's login, in the core database, follows their row"


def login_is_active(status: str) -> bool:
    # A suspended student cannot log in; inactive and alumni students still see their history.
    return status != "suspended"


def _ping(client: ServiceClient) -> HealthCheck:
    async def check() -> float:
        started = time.perf_counter()
        reply = await client.call("GET", "/health")
        if reply.status != 200:
            raise RuntimeError(f"{client.service} answered {reply.status}")
        return (time.perf_counter() - started) * 1000

    return check


@contextmanager
def answered_by(what: str) -> Iterator[None]:
    """SourceUnavailable (503) when another service cannot answer what the caller asked:
    never an empty answer presented as the truth."""
    try:
        yield
    except (AppError, ValidationError) as exc:
        raise SourceUnavailable(f"{what}, which is not answering") from exc


def require_open_library(status: str | None, field: str = "body.home_library_id") -> None:
    if status is None:
        raise Unprocessable(
            "Unknown library", errors=[{"field": field, "message": "no such library"}]
        )
    if status != "active":
        raise Unprocessable(
            "This library is closed", errors=[{"field": field, "message": "the library is closed"}]
        )


@dataclass
class Upstream:
    library: LibraryClient
    auth: AuthClient
    tenant: TenantClient
    booking: BookingClient
    payment: PaymentClient
    attendance: AttendanceClient
    message: MessageClient
    # The core database, for the kit's entitlement check (set by app.py).
    core: Database | None = None

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            LibraryClient(settings, caller="student"),
            AuthClient(settings, caller="student"),
            TenantClient(settings, caller="student"),
            BookingClient(settings, caller="student"),
            PaymentClient(settings, caller="student"),
            AttendanceClient(settings, caller="student"),
            MessageClient(settings, caller="student"),
        )

    def _clients(self) -> tuple[ServiceClient, ...]:
        return (
            self.library,
            self.auth,
            self.tenant,
            self.booking,
            self.payment,
            self.attendance,
            self.message,
        )

    def health_checks(self) -> dict[str, HealthCheck]:
        """Downstream services for `/health/detailed` (a "warn", never a "fail", when down)."""
        return {f"{client.service}_service": _ping(client) for client in self._clients()}

    async def close(self) -> None:
        for client in self._clients():
            await client.close()

    async def expiring_students(
        self, tenant_id: uuid.UUID, within_days: int
    ) -> frozenset[uuid.UUID]:
        """Students whose paid booking ends within `within_days` and who have not renewed
        (SourceUnavailable when the booking service cannot answer)."""
        with answered_by("Plan expiry comes from the booking service"):
            found = await self.booking.expiring_students(tenant_id, within_days)
        return frozenset(found.student_ids)

    async def students_with_dues(self, tenant_id: uuid.UUID) -> frozenset[uuid.UUID]:
        """Students with a positive balance on an open due, in every branch of the tenant
        (SourceUnavailable when the payment service cannot answer)."""
        with answered_by("Dues come from the payment service"):
            found = await self.payment.students_with_dues(tenant_id)
        return frozenset(found.student_ids)

    async def student_payments(
        self, tenant_id: uuid.UUID, student_id: uuid.UUID, page: int, page_size: int
    ) -> InternalPaymentPage:
        """One page of the student's payments, newest first (SourceUnavailable when the
        payment service cannot answer)."""
        with answered_by("Payments come from the payment service"):
            return await self.payment.student_payments(
                tenant_id, student_id, page=page, page_size=page_size
            )

    async def student_attendance(
        self, tenant_id: uuid.UUID, student_id: uuid.UUID, page: int, page_size: int
    ) -> AttendanceHistory:
        """One page of the student's attendance and no-shows, newest first
        (SourceUnavailable when the attendance service cannot answer)."""
        with answered_by("Attendance comes from the attendance service"):
            return await self.attendance.student_history(tenant_id, student_id, page, page_size)

    async def reminder_consents(
        self, tenant_id: uuid.UUID, student_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, StudentChannels]:
        """Each student's reminder consent per channel (SourceUnavailable when the message
        service cannot answer)."""
        with answered_by("Message consent comes from the message service"):
            return await self.message.reminder_consents(tenant_id, student_ids)

    async def library_status(self, tenant_id: uuid.UUID, library_id: uuid.UUID) -> str | None:
        """`active` or `closed`, or None when this tenant has no such library."""
        library = await self.library.get_library(tenant_id, library_id)
        return None if library is None else library.status

    async def check_home_library(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID, field: str = "body.home_library_id"
    ) -> None:
        """422 unless the library exists in this tenant and takes students."""
        require_open_library(await self.library_status(tenant_id, library_id), field)

    async def entitlements(self, tenant_id: uuid.UUID) -> Entitlements:
        """What the tenant's subscription allows (kit/entitlements.py, cached per process)."""
        assert self.core is not None, "Upstream.core is set when the app is built"
        return await entitlements_of(self.core, tenant_id)

    async def ensure_login(self, student: Student) -> bool:
        """Make sure the auth service holds a login for `student`; True when this call made it.

        AppError 409 `login_taken` (another student's login uses this email)
        passes through.
        """
        try:
            with inside_transaction(_LOGIN_WITH_ROW):
                await self.auth.create_credential(
                    tenant_id=student.tenant_id,
                    user_table=USER_TABLE,
                    user_id=student.id,
                    name=student.name,
                    email=student.email,
                    phone=student.phone,
                    roles=STUDENT_ROLES,
                    is_active=login_is_active(student.status),
                )
            return True
        except AppError as exc:
            if exc.code != "credentials_exist":
                raise
        # An earlier invite made the login (perhaps its answer was lost): bring it in step.
        await self.sync_login(student)
        return False

    async def sync_login(self, student: Student) -> bool:
        """Copy name, email, phone and active flag to the login; False when there is none."""
        try:
            with inside_transaction(_LOGIN_WITH_ROW):
                await self.auth.update_credential(
                    tenant_id=student.tenant_id,
                    user_table=USER_TABLE,
                    user_id=student.id,
                    name=student.name,
                    email=student.email,
                    phone=student.phone,
                    is_active=login_is_active(student.status),
                )
        except AppError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def send_invite(self, student: Student) -> None:
        with inside_transaction(_LOGIN_WITH_ROW):
            await self.auth.send_set_password_link(
                tenant_id=student.tenant_id, user_table=USER_TABLE, user_id=student.id
            )

    async def delete_login(self, student: Student) -> None:
        # Idempotent on the auth side: erasing a student who never had a login is fine.
        with inside_transaction(_LOGIN_WITH_ROW):
            await self.auth.delete_credential(
                tenant_id=student.tenant_id, user_table=USER_TABLE, user_id=student.id
            )
