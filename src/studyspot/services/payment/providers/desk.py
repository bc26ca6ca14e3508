"""Money taken at the desk by staff: cash, card (on the library's own terminal), bank transfer."""

from __future__ import annotations

import uuid
from typing import ClassVar

from studyspot.services.payment.providers.base import (
    Created,
    Credentials,
    OrderRequest,
    PaymentProvider,
    RefundOutcome,
)


class DeskProvider(PaymentProvider):
    name: ClassVar[str] = "desk"
    methods: ClassVar[tuple[str, ...]] = ("cash", "card", "bank_transfer")
    needs_account: ClassVar[bool] = False
    captures_on_create: ClassVar[bool] = True

    async def create(self, credentials: Credentials | None, order: OrderRequest) -> Created:
        # The money is already in the drawer: nothing to ask anyone.
        return Created(provider_order_id=None, checkout={})

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
        # Paid back over the counter by the staff member recording it.
        return RefundOutcome(provider_refund_id=None, status="processed")
