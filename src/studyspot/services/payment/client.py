"""The payment service's client: the only module other services import.

It holds the contract types of the payment service's internal API
(docs/internal-api.md), so caller and callee validate the same shapes, and it
imports nothing else of the payment service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.kit.service_client import ServiceClient

PaymentMethod = Literal["cash", "card", "bank_transfer", "upi", "razorpay", "cashfree"]
PaymentStatus = Literal[
    "created", "pending", "captured", "failed", "partially_refunded", "refunded"
]
MAX_PAGE_SIZE = 200


class InternalPayment(BaseModel):
    """One payment of a student, as its profile lists it."""

    id: uuid.UUID
    booking_id: uuid.UUID
    library_id: uuid.UUID
    method: PaymentMethod
    status: PaymentStatus
    amount_paise: int = Field(ge=0)
    refunded_paise: int = Field(ge=0)
    currency: Literal["INR"]
    created_at: datetime
    captured_at: datetime | None = Field(description="null until the money arrived")
    invoice_number: str | None = Field(
        max_length=16, description="Invoice or receipt number; null until captured"
    )


class InternalPaymentPage(BaseModel):
    items: list[InternalPayment]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1, le=MAX_PAGE_SIZE)


class StudentBalance(BaseModel):
    """A student's money over all its bookings.

    `charged_paise` counts open dues only (a cancelled or expired booking
    charges nothing), transfer adjustments included; `balance_paise` is
    charged - paid + refunded: positive to collect, negative to give back.
    """

    student_id: uuid.UUID
    charged_paise: int
    paid_paise: int = Field(ge=0)
    refunded_paise: int = Field(ge=0)
    balance_paise: int
    open_dues: int = Field(ge=0, description="Open dues with something still to pay")


class StudentsWithDues(BaseModel):
    """Students with a positive balance on an open due, in id order."""

    student_ids: list[uuid.UUID]
    count: int = Field(ge=0)


class DueToCollect(BaseModel):
    """An open due with money still to pay (for the message service's fee reminders)."""

    booking_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    due_date: date
    balance_paise: int = Field(gt=0)


class DuesToCollect(BaseModel):
    """Body of `GET /internal/dues?tenant_id=&due_dates=...`: in due date, booking order."""

    items: list[DueToCollect]


# Due dates one call may ask about, and the dues it answers at most.
MAX_DUE_DATES = 10
MAX_DUES = 5_000


class PaymentClient(ServiceClient):
    service = "payment"

    async def dues_to_collect(self, tenant_id: uuid.UUID, due_dates: list[date]) -> DuesToCollect:
        """Open dues with a positive balance falling due on one of `due_dates` (at most 10)."""
        reply = await self.call(
            "GET",
            "/internal/dues",
            params={
                "tenant_id": str(tenant_id),
                "due_dates": ",".join(d.isoformat() for d in due_dates),
            },
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return DuesToCollect.model_validate(reply.json())

    async def invoice_pdf(self, tenant_id: uuid.UUID, number: str) -> bytes | None:
        """The PDF of the invoice, receipt or credit note numbered `number`; None if the
        tenant has none so numbered."""
        reply = await self.call(
            "GET",
            "/internal/invoices/pdf",
            params={"tenant_id": str(tenant_id), "number": number},
            tenant_id=tenant_id,
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return reply.body

    async def student_payments(
        self,
        tenant_id: uuid.UUID,
        student_id: uuid.UUID,
        *,
        page: int = 1,
        page_size: int = 50,
    ) -> InternalPaymentPage:
        """A page of the student's payments, newest first (empty for an unknown student)."""
        reply = await self.call(
            "GET",
            f"/internal/students/{student_id}/payments",
            params={"tenant_id": str(tenant_id), "page": str(page), "page_size": str(page_size)},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return InternalPaymentPage.model_validate(reply.json())

    async def student_balance(self, tenant_id: uuid.UUID, student_id: uuid.UUID) -> StudentBalance:
        """What the student owes (or is owed) over all its bookings; zeros when nothing."""
        reply = await self.call(
            "GET",
            f"/internal/students/{student_id}/dues",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return StudentBalance.model_validate(reply.json())

    async def students_with_dues(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID | None = None
    ) -> StudentsWithDues:
        """The students who still have money to pay, in the tenant or in one branch."""
        params = {"tenant_id": str(tenant_id)}
        if library_id is not None:
            params["library_id"] = str(library_id)
        reply = await self.call(
            "GET", "/internal/dues/students", params=params, tenant_id=tenant_id
        )
        self.raise_for_problem(reply, self.service)
        return StudentsWithDues.model_validate(reply.json())
