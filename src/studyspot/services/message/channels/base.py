"""The one interface every channel provider implements: send, delivery-status webhook, cost.

A provider is a small class in its own module of this package, chosen by
configuration (`registry.py`). Providers know nothing about the database: they
take an `Outgoing` message and answer `Accepted` or raise `SendFailed`, and the
dispatcher records the outcome.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

Category = Literal["transactional", "reminders", "promotional"]


@dataclass(frozen=True)
class Attachment:
    """A file an e-mail carries (the receipt's invoice PDF); other channels send none."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one recipient."""

    delivery_id: uuid.UUID
    to: str
    text: str
    category: Category
    subject: str | None = None
    # Extra protocol headers (e-mail: List-Unsubscribe ...).
    headers: Mapping[str, str] = field(default_factory=dict)
    # For channels that send a registered template (WhatsApp, DLT SMS): the message kind,
    # its language and the values of its variables in their declared order, formatted.
    kind: str = ""
    language: str = "en"
    parameters: tuple[str, ...] = ()
    # Echoed back by status callbacks ("<tenant id>:<delivery id>"), so a signed callback
    # finds its delivery without a lookup table.
    reference: str = ""
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Accepted:
    """The provider took the message; its id lets status callbacks find the delivery."""

    provider: str
    provider_message_id: str | None


class SendFailed(Exception):
    """The provider did not take the message.

    `permanent`: sending again cannot help (a refused address); otherwise the
    dispatcher retries with backoff. `code` is stable snake_case, never the
    provider's raw answer (it may echo credentials).
    """

    def __init__(self, code: str, *, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class SignatureInvalid(Exception):
    """A status callback did not prove it came from the provider."""


class StatusCallbacksNotSupported(Exception):
    """This provider reports no delivery status over HTTP."""


DeliveryState = Literal["delivered", "read", "failed", "bounced", "complained", "delayed"]


@dataclass(frozen=True)
class Callback:
    """A provider's HTTP callback as it arrived: everything a signature may cover."""

    headers: Mapping[str, str]
    body: bytes
    # The public address the provider called (scheme, host, path and query, exactly as we
    # gave it to the provider): Twilio signs it; providers that sign the body ignore it.
    url: str = ""
    # A message a person sent to our number (MSG91's inbound SMS), not a status report:
    # providers whose two kinds arrive at different addresses read it accordingly.
    inbound: bool = False


# The standard SMS opt-out and opt-in keywords (Twilio's, which it also acts on itself):
# the whole reply, any case, spaces trimmed.
SMS_STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
SMS_START_WORDS = frozenset({"start", "unstop"})


def token_matches(given: str, expected: str) -> bool:
    """Whether `given` is the secret token of a webhook URL (never, when none is set), compared
    in constant time: for providers that sign nothing and call a URL we gave them."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def reply_word(text: str) -> str:
    """A reply as keywords are compared: spaces trimmed and collapsed, any case, without a
    closing full stop or exclamation mark ("Stop." is STOP)."""
    return " ".join(text.split()).casefold().rstrip(".!")


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    state: DeliveryState
    at: datetime
    code: str | None = None
    # What we gave the provider as `Outgoing.reference`, echoed back.
    reference: str = ""


class ChannelProvider:
    """Base of every provider. Subclasses set `channel` and `provider`."""

    channel: ClassVar[str]
    provider: ClassVar[str]

    async def send(self, message: Outgoing) -> Accepted:
        raise NotImplementedError

    def cost_paise(self, message: Outgoing) -> int:
        """What sending `message` costs the tenant, in paise (0: free to the tenant)."""
        raise NotImplementedError

    def status_updates(self, callback: Callback) -> list[StatusUpdate]:
        """Verify and read a delivery-status callback (SignatureInvalid if it is forged)."""
        raise StatusCallbacksNotSupported(self.provider)

    def stop_requests(self, callback: Callback) -> list[str]:
        """Addresses that replied STOP in a verified inbound callback (none by default)."""
        return []

    def start_requests(self, callback: Callback) -> list[str]:
        """Addresses that replied START after a STOP (none by default: only a provider
        that lifts its own block on such a reply says so)."""
        return []

    async def close(self) -> None:
        """Release connections; the default holds none."""
