"""The payment service's errors: each a stable `code` clients can branch on."""

from __future__ import annotations

from studyspot.kit.errors import AppError, Conflict, NotFound, Unprocessable


class PaymentNotFound(NotFound):
    code = "payment_not_found"


class RefundNotFound(NotFound):
    code = "refund_not_found"


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"


class NothingDue(Conflict):
    code = "nothing_due"


class DueClosed(Conflict):
    """The booking was cancelled or its hold lapsed: nothing more is collected for it."""

    code = "due_closed"


class HoldExpired(Conflict):
    code = "hold_expired"


class BookingNotPayable(Conflict):
    code = "booking_not_payable"


class InvalidState(Conflict):
    code = "invalid_payment_state"


class UtrAlreadyUsed(Conflict):
    code = "utr_already_used"


class PaymentInProgress(Conflict):
    code = "payment_in_progress"


class LinkNotCancellable(Conflict):
    code = "link_not_cancellable"


class AmountExceedsBalance(Unprocessable):
    code = "amount_exceeds_balance"


class RefundExceedsCaptured(Unprocessable):
    code = "refund_exceeds_captured"


class ProviderNotConfigured(Unprocessable):
    code = "provider_not_configured"


class MethodForbidden(AppError):
    status, code = 403, "method_not_allowed_for_caller"


class InvalidSignature(AppError):
    status, code = 400, "invalid_signature"
