"""E-mail bounces and complaints that arrive after sending.

A relay that accepted a message may later find it cannot be delivered, and a person may
mark it as spam: both come back as e-mail. To know which delivery such a report is about
without trusting its content, every e-mail of a business sent through the platform's relay
goes out with its own envelope sender (VERP): `<local part>+<token>@<MESSAGE_BOUNCE_DOMAIN>`,
where the token packs the tenant and delivery ids with a truncated HMAC under a key derived
from AUTH_LINK_ENCRYPTION_KEY (domain-separated, so it opens nothing else). Bounces go to
that address (it is the Return-Path), and the relay's inbound route posts each message to
`POST /api/messages/webhooks/email/inbound` as it came.

Read here with Python's `email` package:

- RFC 3464 delivery status notifications (`multipart/report; report-type=delivery-status`):
  a recipient with `Action: failed` and a `5.x.x` status is a hard bounce: the delivery
  fails (and falls back to the next channel) and the address is suppressed for e-mail,
  reason `bounce`; `delayed` or a `4.x.x` status is recorded and changes nothing else.
- RFC 5965 feedback reports (`report-type=feedback-report`) of `Feedback-Type: abuse`:
  a complaint suppresses the address for all e-mail, reason `complaint` (transactional
  messages too: a person who calls our mail spam is not written to again until the owner
  lifts it).

The token is looked for where a report carries the address it came to (To, Delivered-To,
X-Original-To, Envelope-To) and in the Return-Path of the original message it encloses
(feedback loops write to their own registered address). It only counts if its HMAC
verifies, and the report must name the delivery's own recipient (Final-Recipient or
Original-Recipient of a DSN, Original-Rcpt-To or the enclosed message's To of a complaint):
a token seen by its recipient cannot be used against anyone else's address. Each report is
recorded once per (delivery, state) in `message_delivery_events`, like a provider's status
callback.

When the relay is SendGrid (which sends under its own envelope sender), its signed Event
Webhook says the same: each e-mail names its delivery in X-SMTPAPI `unique_args` (the same
token), SendGrid echoes it in every event, and the events are verified with the ECDSA P-256
key SendGrid shows (over the timestamp header followed by the raw body) before `bounce`,
`dropped` and `spamreport` events are applied exactly as the reports above.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Literal

import structlog
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.models import utcnow
from studyspot.kit.state import KitState
from studyspot.services.message.channels.base import StatusUpdate
from studyspot.services.message.channels.email import SENDGRID_REF, delivery_of, token_delivery
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.consent import suppress
from studyspot.services.message.models import Delivery
from studyspot.services.message.repository import DeliveryRepository
from studyspot.services.message.webhooks import move_delivery, record_event

log = structlog.get_logger("studyspot.message")

# A report carries the original message or its headers; the gateway passes at most 1 MiB.
MAX_REPORT_BYTES = 512 * 1024
# What a delivery that bounced for good records as its last error.
BOUNCED = "email_bounced"

_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
# Where a report names the address it was sent to (the relay's, then the original's headers).
_TO_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")

ReportKind = Literal["bounced", "delayed", "complained"]


class MalformedReport(Exception):
    """A report that cannot be read (no headers, a report without its status part)."""


@dataclass(frozen=True)
class Finding:
    """What a report says about one recipient."""

    kind: ReportKind
    recipients: frozenset[str]  # the addresses it names for that recipient, lower case
    code: str  # the DSN status (5.1.1) or the feedback type (abuse)


@dataclass(frozen=True)
class EmailReport:
    findings: tuple[Finding, ...]
    # Addresses that may be our bounce address: where the report came, the original's sender.
    addresses: tuple[str, ...]


def _addresses(message: Message, *names: str) -> list[str]:
    """As written: a bounce address's token is case-sensitive (RFC 5321 keeps local parts)."""
    values = [str(v) for name in names for v in message.get_all(name) or []]
    return [address for _, address in getaddresses(values) if address]


def _typed_address(value: str | None) -> str:
    """The address of a DSN field such as `rfc822; someone@example.com`."""
    _, _, address = (value or "").partition(";")
    return address.strip().strip("<>").lower()


def _part(message: Message, content_type: str) -> Message | None:
    return next((p for p in message.walk() if p.get_content_type() == content_type), None)


def _messages(part: Message) -> list[Message]:
    """The messages a `message/*` part holds (the blocks of a delivery-status part)."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [m for m in payload if isinstance(m, Message)]


def _original(message: Message) -> Message | None:
    """The message a report encloses (whole, or only its headers)."""
    whole = _part(message, "message/rfc822")
    if whole is not None:
        inner = _messages(whole)
        return inner[0] if inner else None
    headers = _part(message, "text/rfc822-headers")
    if headers is not None:
        text = headers.get_payload(decode=True)
        if isinstance(text, bytes):
            return HeaderParser(policy=compat32).parsestr(text.decode("utf-8", "replace"))
    return None


def _delivery_status(part: Message) -> list[Finding]:
    blocks = _messages(part)
    if len(blocks) < 2:
        raise MalformedReport("a delivery-status part without a recipient")
    findings = []
    for block in blocks[1:]:  # the first block is about the message, the others recipients
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip().split(" ")[0]
        matched = _STATUS.match(status)
        if matched is None:
            raise MalformedReport("a recipient without a status")
        recipients = frozenset(
            a
            for a in (
                _typed_address(block.get("Final-Recipient")),
                _typed_address(block.get("Original-Recipient")),
            )
            if a
        )
        if action == "failed" and matched.group(1) == "5":
            findings.append(Finding("bounced", recipients, status))
        elif action in ("failed", "delayed") and matched.group(1) == "4":
            findings.append(Finding("delayed", recipients, status))
    return findings


def _feedback(part: Message, original: Message | None) -> list[Finding]:
    fields = _messages(part)
    if not fields:
        raise MalformedReport("an empty feedback-report part")
    kind = str(fields[0].get("Feedback-Type", "")).strip().lower()
    if not kind:
        raise MalformedReport("a feedback report without its type")
    if kind != "abuse":
        return []
    recipients = _addresses(fields[0], "Original-Rcpt-To")
    if original is not None:
        recipients += _addresses(original, "To")
    return [Finding("complained", frozenset(a.lower() for a in recipients), kind)]


def read_report(raw: bytes) -> EmailReport:
    """What an e-mail sent to a bounce address reports (no findings: not a report of a
    kind we act on, such as an out-of-office reply). MalformedReport if it cannot be read."""
    try:
        message = BytesParser(policy=compat32).parsebytes(raw)
        if not message.keys():
            raise MalformedReport("not an RFC 5322 message")
        if message.get_content_type() != "multipart/report":
            return EmailReport((), ())
        report_type = str(message.get_param("report-type") or "").lower()
        original = _original(message)
        if report_type == "delivery-status":
            status = _part(message, "message/delivery-status")
            if status is None:
                raise MalformedReport("a delivery status notification without its status")
            findings = _delivery_status(status)
        elif report_type == "feedback-report":
            feedback = _part(message, "message/feedback-report")
            if feedback is None:
                raise MalformedReport("a feedback report without its report")
            findings = _feedback(feedback, original)
        else:
            return EmailReport((), ())
        addresses = _addresses(message, *_TO_HEADERS)
        if original is not None:
            addresses += _addresses(original, "Return-Path")
        return EmailReport(tuple(findings), tuple(addresses))
    except MalformedReport:
        raise
    except (LookupError, TypeError, ValueError, AttributeError, UnicodeError) as exc:
        # What the email package raises on broken MIME: the report is unreadable, not a 500.
        raise MalformedReport("the message cannot be parsed") from exc


@dataclass
class ReportApplied:
    report: Literal["bounced", "delayed", "complained", "none"] = "none"
    recorded: int = 0
    duplicates: int = 0
    unknown: int = 0


async def apply_report(
    kit: KitState, config: MessageSettings, raw: bytes, now: datetime | None = None
) -> ReportApplied:
    """Record what a report says about the delivery its bounce address names, in that
    delivery's tenant (MalformedReport propagates). A report whose token does not verify,
    or that names another recipient than the delivery's, changes nothing (`unknown`)."""
    report = read_report(raw)
    now = now or utcnow()
    applied = ReportApplied(report.findings[0].kind if report.findings else "none")
    ref = next((r for a in report.addresses if (r := delivery_of(config, a)) is not None), None)
    if ref is None:
        applied.unknown = len(report.findings)
    else:
        await _apply(kit, ref, report.findings, applied, now)
    log.info("message.email_report", **asdict(applied))  # counts only, never an address
    return applied


def sendgrid_verified(public_key: str, signature: str, timestamp: str, body: bytes) -> bool:
    """Whether SendGrid signed `timestamp` followed by the raw body (ECDSA P-256, SHA-256;
    the key as SendGrid shows it: base64 DER; the signature base64 DER)."""
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key, validate=True))
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            return False
        key.verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (ValueError, binascii.Error, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
# SendGrid posts events in batches; the gateway passes at most 1 MiB.
MAX_SENDGRID_BYTES = 1024 * 1024


# SendGrid's `dropped` reasons that say something about the address.
_DROPPED: dict[str, ReportKind] = {
    "bounced address": "bounced",
    "invalid": "bounced",
    "spam reporting address": "complained",
}


def _sendgrid_finding(event: dict[str, object]) -> Finding | None:
    name, email = str(event.get("event") or ""), str(event.get("email") or "").lower()
    kind: ReportKind | None = None
    code = name
    if name == "bounce":
        # `blocked`: the receiver refused for now (a soft bounce); `bounce`: for good.
        kind = "delayed" if event.get("type") == "blocked" else "bounced"
        status = str(event.get("status") or "")
        code = status if _STATUS.match(status) else name
    elif name == "dropped":
        kind = _DROPPED.get(str(event.get("reason") or "").strip().lower())
    elif name == "spamreport":
        kind = "complained"
    return None if kind is None else Finding(kind, frozenset({email}), code)


async def apply_sendgrid_events(
    kit: KitState, config: MessageSettings, body: bytes, now: datetime | None = None
) -> ReportApplied:
    """Apply a verified Event Webhook post (a JSON array of events) as reports; events of
    other kinds (delivered, open…) are passed over. MalformedReport if it is no array of
    objects."""
    try:
        events = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedReport("not JSON") from exc
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise MalformedReport("not an array of events")
    now = now or utcnow()
    applied = ReportApplied()
    for event in events:
        finding = _sendgrid_finding(event)
        if finding is None:
            continue
        ref = token_delivery(config, str(event.get(SENDGRID_REF) or ""))
        if ref is None:
            applied.unknown += 1
        else:
            await _apply(kit, ref, (finding,), applied, now)
    log.info("message.sendgrid_events", events=len(events), **asdict(applied))
    return applied


async def _apply(
    kit: KitState,
    ref: tuple[uuid.UUID, uuid.UUID],
    findings: tuple[Finding, ...],
    applied: ReportApplied,
    now: datetime,
) -> None:
    tenant_id, delivery_id = ref
    try:
        db = await kit.tenants.for_tenant(kit.core, tenant_id)
    except AppError:
        applied.unknown += len(findings)
        return
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        row = await DeliveryRepository(session, tenant_id).get(delivery_id)
        for finding in findings:
            if (
                not isinstance(row, Delivery)
                or row.channel != "email"
                or row.sent_at is None
                or row.recipient.lower() not in finding.recipients
            ):
                applied.unknown += 1
                continue
            recorded = await record_event(
                session,
                row,
                finding.kind,
                row.provider_message_id or "",
                finding.code,
                occurred_at=now,
                received_at=now,
            )
            if not recorded:
                applied.duplicates += 1
                continue
            applied.recorded += 1
            if finding.kind == "delayed":
                continue
            if finding.kind == "bounced":
                failed = StatusUpdate(row.provider_message_id or "", "failed", now, BOUNCED)
                await move_delivery(session, row, failed, now)
            await suppress(
                session,
                tenant_id,
                channel="email",
                address=row.recipient,
                reason="bounce" if finding.kind == "bounced" else "complaint",
                by=None,
                now=now,
            )
