"""E-mail: SMTP through aiosmtplib, or the development mailbox (a folder of .eml files).

Both build the same RFC 5322 message. Its Message-ID is the delivery's id, so
a message sent twice (a dispatcher died between the send and recording it) is
recognised as one by mail clients, and the development mailbox simply
overwrites the file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import ssl
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aiosmtplib

from studyspot.kit.models import utcnow
from studyspot.services.message.channels.base import (
    Accepted,
    ChannelProvider,
    Outgoing,
    SendFailed,
)
from studyspot.services.message.config import MessageSettings

MAILBOX_DIR = "mailbox"
# The envelope sender of each business's e-mail (VERP, email_reports.py): a version-tagged
# key derived from AUTH_LINK_ENCRYPTION_KEY, and a MAC short enough for a 64-octet local part.
_VERP_DOMAIN = b"studyspot-verp-v1\x00"
_MAC_BYTES = 8


def _mac(secret: str, ids: bytes) -> bytes:
    return hmac.new(_VERP_DOMAIN + secret.encode(), ids, hashlib.sha256).digest()[:_MAC_BYTES]


def delivery_token(config: MessageSettings, reference: str) -> str | None:
    """The token naming a business's delivery (`<tenant id>:<delivery id>`): 54 URL-safe
    characters; None for a platform user's delivery (there is no suppression list)."""
    tenant, _, delivery = reference.partition(":")
    try:
        ids = uuid.UUID(tenant).bytes + uuid.UUID(delivery).bytes
    except ValueError:
        return None
    token = base64.urlsafe_b64encode(ids + _mac(config.link_encryption_key, ids)).rstrip(b"=")
    return token.decode()


def token_delivery(config: MessageSettings, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(tenant id, delivery id) of a token of ours whose MAC verifies, else None."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, binascii.Error):
        return None
    ids, mac = raw[:32], raw[32:]
    # One spelling per token: base64's last character carries bits the decoder ignores, so
    # without this, four spellings of one address would all verify.
    canonical = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    if (
        canonical != token
        or len(raw) != 32 + _MAC_BYTES
        or not hmac.compare_digest(mac, _mac(config.link_encryption_key, ids))
    ):
        return None
    return uuid.UUID(bytes=ids[:16]), uuid.UUID(bytes=ids[16:])


def return_path(config: MessageSettings, reference: str) -> str | None:
    """The envelope sender of a business's e-mail, or None: no bounce domain set, or a
    platform user's delivery."""
    token = delivery_token(config, reference) if config.bounce_domain else None
    if token is None:
        return None
    return f"{config.bounce_local_part}+{token}@{config.bounce_domain}"


def delivery_of(config: MessageSettings, address: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(tenant id, delivery id) of a bounce address of ours whose token verifies, else None."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    prefix, plus, token = local.partition("+")
    if (
        not config.bounce_domain
        or not plus
        or domain.lower() != config.bounce_domain
        or prefix.lower() != config.bounce_local_part
    ):
        return None
    return token_delivery(config, token)


# SendGrid's SMTP relay reads this header (and strips it): its unique_args come back in
# every event of the message, so a signed event names its delivery.
SENDGRID_REF = "studyspot_ref"


def sendgrid_header(config: MessageSettings, reference: str) -> str | None:
    """The X-SMTPAPI header of a business's e-mail when SendGrid's events are read."""
    token = delivery_token(config, reference) if config.sendgrid_event_public_key else None
    if token is None:
        return None
    return json.dumps({"unique_args": {SENDGRID_REF: token}}, separators=(",", ":"))


def build_email(message: Outgoing, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject or ""
    mail["Date"] = format_datetime(utcnow())
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "studyspot.local"
    mail["Message-ID"] = make_msgid(idstring=message.delivery_id.hex, domain=domain)
    mail["X-StudySpot-Delivery"] = str(message.delivery_id)
    if message.category == "transactional":
        # RFC 3834: a machine-sent message; out-of-office replies should not answer it.
        mail["Auto-Submitted"] = "auto-generated"
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text)
    for attached in message.attachments:
        main, _, sub = attached.content_type.partition("/")
        mail.add_attachment(attached.data, maintype=main, subtype=sub, filename=attached.filename)
    return mail


class DevMailbox(ChannelProvider):
    """Writes each e-mail to DATA_DIR/mailbox/<delivery id>.eml (development only)."""

    channel = "email"
    provider = "dev_mailbox"

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    async def send(self, message: Outgoing) -> Accepted:
        self.folder.mkdir(parents=True, exist_ok=True)
        mail = build_email(message, self.sender)
        path = self.folder / f"{message.delivery_id}.eml"
        # Whole file or nothing: a reader never sees half a message.
        partial = path.with_suffix(".part")
        partial.write_bytes(bytes(mail))
        partial.replace(path)
        return Accepted(self.provider, str(message.delivery_id))

    def cost_paise(self, message: Outgoing) -> int:
        return 0


class SmtpEmail(ChannelProvider):
    """Sends through an SMTP relay (STARTTLS, implicit TLS or plain, optional login)."""

    channel = "email"
    provider = "smtp"

    def __init__(self, config: MessageSettings) -> None:
        self.config = config
        self._tls = ssl.create_default_context(cafile=config.smtp_ca_file or None)

    async def send(self, message: Outgoing) -> Accepted:
        c = self.config
        mail = build_email(message, c.email_from)
        if (smtpapi := sendgrid_header(c, message.reference)) is not None:
            mail["X-SMTPAPI"] = smtpapi
        try:
            await aiosmtplib.send(
                mail,
                # None: the From address, as aiosmtplib takes it from the headers.
                sender=return_path(c, message.reference),
                hostname=c.smtp_host,
                port=c.smtp_port,
                username=c.smtp_username or None,
                password=c.smtp_password or None,
                use_tls=c.smtp_security == "tls",
                start_tls=c.smtp_security == "starttls",
                tls_context=self._tls,
                timeout=c.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            permanent = all(500 <= r.code < 600 for r in exc.recipients)
            raise SendFailed("recipient_refused", permanent=permanent) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise SendFailed("smtp_login_refused") from exc
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx is the relay's final word on this message; 4xx may pass later.
            raise SendFailed("smtp_refused", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SendFailed("smtp_unreachable") from exc
        return Accepted(self.provider, str(mail["Message-ID"]))

    def cost_paise(self, message: Outgoing) -> int:
        # Platform e-mail costs the tenant nothing; paid channels draw on credits.
        return 0
