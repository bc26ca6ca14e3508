"""Errors of the subscription service (RFC 9457 problems with stable codes)."""

from __future__ import annotations

from studyspot.kit.errors import AppError, Conflict, NotFound


class PlanNotFound(NotFound):
    code = "plan_not_found"

    def __init__(self) -> None:
        super().__init__("No plan has this code")


class PlanCodeTaken(Conflict):
    code = "plan_code_taken"

    def __init__(self) -> None:
        super().__init__("A plan with this code exists; edit it to add a version")


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"

    def __init__(self) -> None:
        super().__init__("This tenant has no subscription")


class ChangeNotAllowed(Conflict):
    code = "subscription_change_not_allowed"


class QuoteChanged(Conflict):
    code = "quote_changed"

    def __init__(self, due: int) -> None:
        super().__init__(
            f"The amount due changed since the quote: it is now {due} paise; confirm again"
        )


class WrongAmount(AppError):
    status, code = 422, "amount_mismatch"


class ReceivedOnInvalid(AppError):
    status, code = 422, "validation_error"

    def __init__(self, message: str) -> None:
        super().__init__(
            f"The payment's date {message}",
            errors=[{"field": "body.received_on", "message": message}],
        )


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"

    def __init__(self) -> None:
        super().__init__("No such invoice")


class InvoiceNotPayable(Conflict):
    """409 `invoice_already_paid` or `invoice_void`."""

    code = "invoice_not_payable"


class PaymentNotCaptured(Conflict):
    code = "payment_not_captured"

    def __init__(self, provider: str = "Razorpay") -> None:
        super().__init__(f"{provider} has not captured this payment for this order")


class CreditProviderNotConfigured(Conflict):
    """The platform has no account set up with the provider chosen for buying credits."""

    code = "credit_provider_not_configured"

    def __init__(self, provider: str, configured: list[str]) -> None:
        others = ", ".join(configured) or "none"
        super().__init__(
            f"Credits cannot be paid through {provider}: StudySpot has no {provider} "
            f"account set up (configured: {others})"
        )
