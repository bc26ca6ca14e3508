"""UPI straight to the library's own VPA, without a gateway.

The student pays from any UPI app with the `upi://pay` intent (or its QR
code) carrying the exact amount and a unique transaction reference (`tr`),
then submits the 12-digit UTR the app shows; staff match it against the bank
statement and verify. Nothing here can learn about the money on its own, so
there is no webhook and no status to fetch.
"""

from __future__ import annotations

import io
import uuid
from typing import ClassVar
from urllib.parse import quote

import segno

from studyspot.services.payment.providers.base import (
    Created,
    Credentials,
    OrderRequest,
    PaymentProvider,
    RefundOutcome,
)

UTR_PATTERN = r"^[0-9]{12}$"


def rupees(paise: int) -> str:
    """`am` of a UPI intent: rupees with exactly two decimals, no grouping."""
    return f"{paise // 100}.{paise % 100:02d}"


def intent(*, vpa: str, payee: str, amount_paise: int, note: str, reference: str) -> str:
    params = [
        ("pa", vpa),
        ("pn", payee),
        ("am", rupees(amount_paise)),
        ("cu", "INR"),
        ("tn", note),
        ("tr", reference),
    ]
    return "upi://pay?" + "&".join(f"{k}={quote(v, safe='@.-_')}" for k, v in params)


def reference_for(payment_id: uuid.UUID) -> str:
    # Derived from the payment's random id: unique in practice, and the table's
    # unique (tenant, upi_reference) constraint makes it certain.
    return "SS" + payment_id.hex[:18].upper()


def qr_png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def qr_svg(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=True)
    return out.getvalue()


class UpiProvider(PaymentProvider):
    name: ClassVar[str] = "upi"
    methods: ClassVar[tuple[str, ...]] = ("upi",)

    async def create(self, credentials: Credentials | None, order: OrderRequest) -> Created:
        assert credentials is not None
        reference = reference_for(order.payment_id)
        link = intent(
            vpa=credentials.public_id,
            payee=credentials.display_name or "Library",
            amount_paise=order.amount_paise,
            note=order.note[:50],
            reference=reference,
        )
        return Created(
            provider_order_id=None,
            upi_reference=reference,
            checkout={"upi_link": link, "vpa": credentials.public_id, "reference": reference},
        )

    async def refund(
        self,
        credentials: Credentials | None,
        *,
        provider_order_id: str | None,
        provider_payment_id: str | None,
        refund_id: uuid.UUID,
        amount_paise: int,
        reason: str,
    ) -> RefundOutcome:
        # Sent back by the library from its own bank account; staff record it done.
        return RefundOutcome(provider_refund_id=None, status="processed")
