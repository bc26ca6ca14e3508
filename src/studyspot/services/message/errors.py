"""Errors of the message service."""

from __future__ import annotations

from studyspot.kit.errors import NotFound


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"


class MailboxNotFound(NotFound):
    """The development mailbox does not exist in production (it is not revealed either)."""

    code = "not_found"


class NotificationNotFound(NotFound):
    code = "notification_not_found"


class PurchaseNotFound(NotFound):
    code = "credit_purchase_not_found"
