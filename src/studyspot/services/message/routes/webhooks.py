"""Provider callbacks (`/api/messages/webhooks/*`): no user token, the provider's signature."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from studyspot.kit.errors import (
    AppError,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
    problem_responses,
)
from studyspot.kit.state import kit_state
from studyspot.services.message import senders
from studyspot.services.message.channels.base import (
    Callback,
    ChannelProvider,
    SignatureInvalid,
    token_matches,
)
from studyspot.services.message.channels.email import SENDGRID_REF
from studyspot.services.message.channels.msg91 import Msg91Sms, reference_of
from studyspot.services.message.channels.twilio import (
    EMPTY_TWIML,
    MAX_CALLBACK_BYTES,
    TwilioSms,
)
from studyspot.services.message.channels.whatsapp import WhatsAppCloud
from studyspot.services.message.dependencies import RuntimeDep
from studyspot.services.message.email_reports import (
    MAX_REPORT_BYTES,
    MAX_SENDGRID_BYTES,
    SENDGRID_SIGNATURE,
    SENDGRID_TIMESTAMP,
    MalformedReport,
    apply_report,
    apply_sendgrid_events,
    sendgrid_verified,
)
from studyspot.services.message.webhooks import apply_updates

router = APIRouter(prefix="/api/messages/webhooks", tags=["webhooks"])


class CallbackReceived(BaseModel):
    recorded: int = Field(ge=0, description="Reports recorded for the first time")
    duplicates: int = Field(ge=0, description="Reports already recorded (counted once)")
    unknown: int = Field(ge=0, description="Reports naming no delivery of ours")
    stopped: int = Field(
        default=0,
        ge=0,
        description="Suppressions made by STOP replies (per business that had messaged the number)",
    )


@router.get(
    "/whatsapp",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The challenge, echoed"},
        **problem_responses(403, 404),
    },
    summary="WhatsApp's subscription check: echo hub.challenge when the verify token matches",
)
async def verify_whatsapp(
    runtime: RuntimeDep,
    mode: Annotated[str, Query(alias="hub.mode", max_length=32)],
    token: Annotated[str, Query(alias="hub.verify_token", max_length=200)],
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)],
) -> PlainTextResponse:
    expected = runtime.config.whatsapp_verify_token
    if not expected:
        raise NotFound("WhatsApp is not set up", code="channel_not_configured")
    return _challenge(expected, mode, token, challenge)


def _challenge(expected: str, mode: str, token: str, challenge: str) -> PlainTextResponse:
    """Meta's subscription check: the challenge echoed when the verify token is ours."""
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("The verify token does not match", code="invalid_verify_token")
    return PlainTextResponse(challenge)


@router.post(
    "/whatsapp",
    response_model=CallbackReceived,
    responses=problem_responses(401, 404),
    summary="WhatsApp callbacks, signed by Meta: statuses (delivered, read, failed) and STOP replies",
)
async def whatsapp_status(request: Request, runtime: RuntimeDep) -> CallbackReceived:
    """Refused with 401 `invalid_signature` unless X-Hub-Signature-256 is the HMAC-SHA256
    of the raw body under the app secret; nothing is recorded then."""
    provider = runtime.dispatcher.channels.get("whatsapp")
    if provider is None:
        raise NotFound("WhatsApp is not set up", code="channel_not_configured")
    refused = Unauthorized("The callback's signature does not verify", code="invalid_signature")
    return await _received(request, provider, refused)


@router.post(
    "/msg91",
    response_model=CallbackReceived,
    responses=problem_responses(401, 404, 422),
    summary="MSG91 delivery reports (webhook v2 form or JSON, v3 JSON), by the URL's token",
)
async def msg91_reports(
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str, Query(max_length=200, description="The secret of the webhook URL")] = "",
) -> CallbackReceived:
    """MSG91 signs nothing: the URL set on its panel carries MESSAGE_MSG91_WEBHOOK_TOKEN,
    and a report counts only if it names a delivery of ours by its CRQID and the request
    id our send recorded. A wrong token is 401 `invalid_signature`, a body that is no
    report 422 `malformed_report`; nothing is recorded then."""
    provider = _platform_msg91(runtime, token)
    return await _received(request, provider, _MALFORMED_REPORT)


# What MSG91 forwards of a text to a virtual number (a query string, a form or JSON).
_MSG91_INBOUND: dict[str, Any] = {
    "type": "object",
    "required": ["sender", "content"],
    "additionalProperties": {"type": "string"},
    "properties": {
        "sender": {"type": "string", "description": "The person's mobile number (91…)"},
        "content": {"type": "string", "description": "The text, keyword included"},
        "keyword": {"type": "string", "description": "The keyword it was routed by"},
        "inNumber": {"type": "string", "description": "The virtual number it was sent to"},
    },
}
_MSG91_INBOUND_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": _MSG91_INBOUND},
            "application/json": {"schema": _MSG91_INBOUND},
        },
    }
}
_MSG91_INBOUND_QUERY: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": name in _MSG91_INBOUND["required"],
            "description": field["description"],
            "schema": {"type": "string", "maxLength": 1600},
        }
        for name, field in _MSG91_INBOUND["properties"].items()
    ]
}
_MSG91_INBOUND_DOC = """A text to the MSG91 virtual number, forwarded by MSG91 (unsigned: the URL
carries the token, as for delivery reports). Its text without the keyword being STOP,
STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT (any case, spaces trimmed) suppresses the sender
for SMS, reason `stop`, in every business that has sent it an SMS (for a business's own
account: in that business only); START or UNSTOP lifts exactly those; anything else
changes nothing. 401 `invalid_signature` for a wrong token, 422 `malformed_report` without
`sender` and `content`."""
_MALFORMED_REPORT = Unprocessable(
    "The body is not an MSG91 delivery report", code="malformed_report"
)
_MALFORMED_INBOUND = Unprocessable("The body is not an MSG91 inbound SMS", code="malformed_report")
_TOKEN_REFUSED = Unauthorized("The callback's token does not match", code="invalid_signature")
Token = Annotated[str, Query(max_length=200, description="The secret of the webhook URL")]


def _platform_msg91(runtime: RuntimeDep, token: str) -> Msg91Sms:
    provider = runtime.dispatcher.channels.get("sms")
    if not isinstance(provider, Msg91Sms) or not provider.config.msg91_webhook_token:
        raise NotFound("MSG91 callbacks are not set up", code="channel_not_configured")
    if not provider.accepts_token(token):
        raise _TOKEN_REFUSED
    return provider


async def msg91_inbound(
    request: Request, runtime: RuntimeDep, token: Token = ""
) -> CallbackReceived:
    provider = _platform_msg91(runtime, token)
    return await _received(request, provider, _MALFORMED_INBOUND, MAX_CALLBACK_BYTES, inbound=True)


def _inbound_routes(path: str, endpoint: Any, whose: str, doc: str) -> None:
    """One endpoint for MSG91's forward of a text, whether it comes as a POST (a form or
    JSON) or as a GET (a query string)."""
    for method, extra, kind, refusals in (
        ("POST", _MSG91_INBOUND_BODY, "form or JSON", (401, 404, 413, 422)),
        ("GET", _MSG91_INBOUND_QUERY, "query string", (401, 404, 422)),
    ):
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            operation_id=f"{endpoint.__name__}_{method.lower()}",
            response_model=CallbackReceived,
            responses=problem_responses(*refusals),
            summary=f"Texts to {whose} MSG91 virtual number ({kind}): STOP, START",
            description=doc,
            openapi_extra=extra,
        )


_inbound_routes("/msg91/inbound", msg91_inbound, "the platform's", _MSG91_INBOUND_DOC)


# A business's own account: the address names the account by an opaque random id (its
# sender account shows the address), never by the tenant.
AccountWebhook = Annotated[
    str,
    Path(
        max_length=64,
        description="The account's webhook id, as the business's sender account shows it",
    ),
]
_OWN = "A business's own account, named by its webhook id (404 `webhook_not_found` for an "
_OWN += "id that names no current account of that provider, whoever's it may be)."


async def _own(
    request: Request, runtime: RuntimeDep, webhook_id: str, channel: str, provider_name: str
) -> tuple[uuid.UUID, ChannelProvider]:
    """The business whose account the address names, and that account's provider (its
    own secrets and tokens, never the platform's)."""
    kit = kit_state(request.app)
    hooked = await senders.hooked_account(kit.core, kit.tenants, webhook_id, channel, provider_name)
    provider = await runtime.dispatcher.tenant_channel(hooked.db, hooked.tenant_id, channel)
    kind = WhatsAppCloud if channel == "whatsapp" else Msg91Sms
    if not isinstance(provider, kind) or provider is runtime.dispatcher.channels.get(channel):
        # Its secret no longer opens (logged where it is built): nothing can verify.
        raise senders.WebhookNotFound("No such webhook address")
    return hooked.tenant_id, provider


async def _own_msg91(
    request: Request, runtime: RuntimeDep, webhook_id: str, token: str
) -> tuple[uuid.UUID, Msg91Sms]:
    tenant_id, provider = await _own(request, runtime, webhook_id, "sms", "msg91")
    assert isinstance(provider, Msg91Sms)
    if not provider.accepts_token(token):
        raise _TOKEN_REFUSED
    return tenant_id, provider


@router.post(
    "/msg91/{webhook_id}",
    response_model=CallbackReceived,
    responses=problem_responses(401, 404, 422),
    summary="Delivery reports of a business's own MSG91 account, by the URL's token",
    description="As `POST /api/messages/webhooks/msg91`, with the token made for the "
    "account; only that business's deliveries are moved. " + _OWN,
)
async def own_msg91_reports(
    request: Request, runtime: RuntimeDep, webhook_id: AccountWebhook, token: Token = ""
) -> CallbackReceived:
    tenant_id, provider = await _own_msg91(request, runtime, webhook_id, token)
    return await _received(request, provider, _MALFORMED_REPORT, tenants=[tenant_id])


async def own_msg91_inbound(
    request: Request, runtime: RuntimeDep, webhook_id: AccountWebhook, token: Token = ""
) -> CallbackReceived:
    tenant_id, provider = await _own_msg91(request, runtime, webhook_id, token)
    return await _received(
        request, provider, _MALFORMED_INBOUND, MAX_CALLBACK_BYTES, tenants=[tenant_id], inbound=True
    )


_inbound_routes(
    "/msg91/{webhook_id}/inbound",
    own_msg91_inbound,
    "a business's own",
    _MSG91_INBOUND_DOC + " " + _OWN,
)


@router.get(
    "/whatsapp/{webhook_id}",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The challenge, echoed"},
        **problem_responses(403, 404),
    },
    summary="Meta's subscription check of a business's own WhatsApp number's webhook",
    description="The challenge is echoed when `hub.verify_token` is the one made for the "
    "account (its sender account shows it to the owner). " + _OWN,
)
async def verify_own_whatsapp(
    request: Request,
    runtime: RuntimeDep,
    webhook_id: AccountWebhook,
    mode: Annotated[str, Query(alias="hub.mode", max_length=32)],
    token: Annotated[str, Query(alias="hub.verify_token", max_length=200)],
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)],
) -> PlainTextResponse:
    _, provider = await _own(request, runtime, webhook_id, "whatsapp", "whatsapp_cloud")
    assert isinstance(provider, WhatsAppCloud)
    expected = provider.config.whatsapp_verify_token
    if not expected:
        raise senders.WebhookNotFound("No such webhook address")
    return _challenge(expected, mode, token, challenge)


@router.post(
    "/whatsapp/{webhook_id}",
    response_model=CallbackReceived,
    responses=problem_responses(401, 404),
    summary="Callbacks of a business's own WhatsApp number, signed with its own app secret",
    description="As `POST /api/messages/webhooks/whatsapp`, but X-Hub-Signature-256 must "
    "verify under the business's own app secret (401 `invalid_signature` under any other, "
    "the platform's too, and nothing is recorded); reports move only that business's "
    "deliveries, and STOP suppresses the number in that business only. " + _OWN,
)
async def own_whatsapp_status(
    request: Request, runtime: RuntimeDep, webhook_id: AccountWebhook
) -> CallbackReceived:
    tenant_id, provider = await _own(request, runtime, webhook_id, "whatsapp", "whatsapp_cloud")
    refused = Unauthorized("The callback's signature does not verify", code="invalid_signature")
    return await _received(request, provider, refused, tenants=[tenant_id])


# Form fields Twilio posts to the two webhooks (it may add others; all are signed).
_TWILIO_FORM: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "properties": {
        "AccountSid": {"type": "string", "description": "The Twilio account (AC…)"},
        "MessageSid": {"type": "string", "description": "The message (SM…)"},
        "From": {"type": "string", "description": "Sender, E.164"},
        "To": {"type": "string", "description": "Recipient, E.164"},
    },
}
_TWILIO_STATUS_FORM = {
    **_TWILIO_FORM,
    "required": ["AccountSid", "MessageSid", "MessageStatus"],
    "properties": {
        **_TWILIO_FORM["properties"],
        "MessageStatus": {
            "type": "string",
            "description": "queued, sending, sent, delivered, undelivered or failed",
        },
        "ErrorCode": {"type": "string", "description": "Twilio's error code of a failure"},
    },
}
_TWILIO_INBOUND_FORM = {
    **_TWILIO_FORM,
    "required": ["AccountSid", "MessageSid", "From", "Body"],
    "properties": {
        **_TWILIO_FORM["properties"],
        "Body": {"type": "string", "maxLength": 1600, "description": "The text of the reply"},
    },
}
_SIGNATURE_HEADER = {
    "name": "X-Twilio-Signature",
    "in": "header",
    "required": True,
    "description": "Base64 HMAC-SHA1, under the account's auth token, of the URL called "
    "followed by the form's fields sorted by name, each name then value",
    "schema": {"type": "string", "maxLength": 200},
}


def _twilio_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "parameters": [_SIGNATURE_HEADER],
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        },
    }


async def _twilio(
    request: Request, runtime: RuntimeDep, tenant_id: uuid.UUID | None, *, own: bool = False
) -> TwilioSms:
    """The Twilio account whose token signs this callback: the business's own when it has
    one (the callback names the business), else the platform's; with `own`, the business's
    own only (its own number's webhook)."""
    platform = runtime.dispatcher.channels.get("sms")
    provider: ChannelProvider | None = platform
    if tenant_id is not None:
        kit = kit_state(request.app)
        try:
            db = await kit.tenants.for_tenant(kit.core, tenant_id)
        except AppError:
            provider = None  # no such business: nothing can verify
        else:
            provider = await runtime.dispatcher.tenant_channel(db, tenant_id, "sms")
            if own and provider is platform:
                provider = None
    if not isinstance(provider, TwilioSms):
        raise NotFound("Twilio is not the SMS provider", code="channel_not_configured")
    return provider


def _tenant_of(ref: str) -> uuid.UUID | None:
    """The business a status callback's `ref` names (None: the platform, or nothing)."""
    tenant, _, _ = reference_of(ref).partition(":")
    try:
        return uuid.UUID(tenant)
    except ValueError:
        return None


_TWILIO_REFUSED = Unauthorized(
    "The callback's X-Twilio-Signature does not verify", code="invalid_signature"
)


@router.post(
    "/twilio/status",
    response_model=CallbackReceived,
    responses=problem_responses(401, 404, 413),
    summary="Twilio's status callbacks for our SMS (delivered, undelivered, failed), signed",
    openapi_extra=_twilio_body(_TWILIO_STATUS_FORM),
)
async def twilio_status(
    request: Request,
    runtime: RuntimeDep,
    ref: Annotated[
        str, Query(max_length=64, description="The delivery, as our StatusCallback named it")
    ] = "",
) -> CallbackReceived:
    """Every SMS sent through Twilio carries this URL as its StatusCallback. 401
    `invalid_signature` unless X-Twilio-Signature verifies over this URL as we gave it
    (MESSAGE_PUBLIC_URL, path and query) and the form; nothing is recorded then. A report
    is recorded once per (delivery, state); undelivered or failed falls back to the next
    channel."""
    # The provider reads `ref` again from the signed URL; here it only picks the account.
    provider = await _twilio(request, runtime, _tenant_of(ref))
    url = _called_url(request, provider.config.public_url)
    return await _received(request, provider, _TWILIO_REFUSED, MAX_CALLBACK_BYTES, url)


@router.post(
    "/twilio/inbound",
    response_class=Response,
    responses={
        200: {
            "content": {"text/xml": {"schema": {"type": "string"}}},
            "description": "An empty TwiML answer (no reply is sent)",
        },
        **problem_responses(401, 404, 413),
    },
    summary="Replies to our Twilio number, signed: STOP suppresses the number, START lifts it",
    openapi_extra=_twilio_body(_TWILIO_INBOUND_FORM),
)
async def twilio_inbound(
    request: Request,
    runtime: RuntimeDep,
    tenant: Annotated[
        uuid.UUID | None,
        Query(description="The business whose own Twilio number this is (none: the platform's)"),
    ] = None,
) -> Response:
    """The number's incoming-message webhook. A body of STOP, STOPALL, UNSUBSCRIBE, CANCEL,
    END or QUIT (any case, spaces trimmed) suppresses the sender's number for SMS, reason
    `stop`, in every business that has sent it an SMS (with `tenant`, the business's own
    number: in that business only); START or UNSTOP lifts those (and no other
    suppression); anything else changes nothing. Signature as for status, under the
    business's own auth token with `tenant` (404 `channel_not_configured` when the
    business has no Twilio account of its own)."""
    provider = await _twilio(request, runtime, tenant, own=True)
    url = _called_url(request, provider.config.public_url)
    scope = None if tenant is None else [tenant]
    await _received(request, provider, _TWILIO_REFUSED, MAX_CALLBACK_BYTES, url, scope)
    return Response(EMPTY_TWIML, media_type="text/xml")


class EmailReportReceived(BaseModel):
    report: Literal["bounced", "delayed", "complained", "none"] = Field(
        description="What the message reports: a hard bounce (5.x.x), a delay or soft "
        "failure (4.x.x, recorded only), a complaint (feedback type abuse), or nothing we "
        "act on (an out-of-office reply, another feedback type)"
    )
    recorded: int = Field(ge=0, description="Reports recorded for the first time")
    duplicates: int = Field(ge=0, description="Reports already recorded (counted once)")
    unknown: int = Field(
        ge=0,
        description="Reports naming no delivery of ours: no bounce address whose token "
        "verifies, or another recipient than that delivery's (nothing changed)",
    )


_RAW_MESSAGE = {
    "requestBody": {
        "required": True,
        "description": f"The raw RFC 5322 message as it reached the bounce address, at most "
        f"{MAX_REPORT_BYTES} bytes (larger: 413 before the rest is read)",
        "content": {
            "message/rfc822": {
                "schema": {"type": "string", "format": "binary", "maxLength": MAX_REPORT_BYTES}
            }
        },
    }
}


@router.post(
    "/email/inbound",
    status_code=202,
    response_model=EmailReportReceived,
    responses={
        202: {"description": "Taken: recorded, counted once, or ignored as no report of ours"},
        **problem_responses(401, 404, 413, 415, 422),
    },
    summary="Bounces and complaints e-mailed to our bounce address (RFC 3464 DSN, RFC 5965 ARF), "
    "posted raw by the relay's inbound route with the URL's token",
    openapi_extra=_RAW_MESSAGE,
)
async def email_inbound(
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str, Query(max_length=200, description="The secret of the webhook URL")] = "",
) -> EmailReportReceived:
    """Every business e-mail sent through the platform's relay has the envelope sender
    `<MESSAGE_BOUNCE_LOCAL_PART>+<token>@<MESSAGE_BOUNCE_DOMAIN>`, naming its delivery under
    an HMAC. A hard bounce fails that delivery (it falls back to the next channel) and
    suppresses the address for e-mail (reason `bounce`); a complaint suppresses it (reason
    `complaint`); a delay is recorded only. Each once per (delivery, state). A message that
    is no report, or names no delivery of ours, is accepted and changes nothing (202), so
    the relay does not send it again. 401 `invalid_signature` for a wrong token (404
    `channel_not_configured` while MESSAGE_BOUNCE_WEBHOOK_TOKEN is not set), 415 for
    another content type, 413 `payload_too_large`, 422 `malformed_report` for a report
    that cannot be read; nothing is recorded then."""
    config = runtime.config
    if not config.bounce_webhook_token:
        raise NotFound("E-mail reports are not set up", code="channel_not_configured")
    if not token_matches(token, config.bounce_webhook_token):
        raise Unauthorized("The report's token does not match", code="invalid_signature")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "message/rfc822":
        raise AppError(
            "The body must be the raw message (message/rfc822)",
            status=415,
            code="unsupported_media_type",
        )
    body = await _body(request, MAX_REPORT_BYTES)
    try:
        applied = await apply_report(kit_state(request.app), config, body)
    except MalformedReport as exc:
        raise Unprocessable(
            "The body is not a readable e-mail report", code="malformed_report"
        ) from exc
    return EmailReportReceived(**asdict(applied))


# One event as SendGrid posts it (it may add fields; only these are read).
_SENDGRID_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["email", "event"],
    "properties": {
        "email": {"type": "string", "description": "The recipient"},
        "event": {
            "type": "string",
            "description": "bounce, dropped and spamreport are read; others are passed over",
        },
        "type": {"type": "string", "description": "Of a bounce: bounce or blocked"},
        "status": {"type": "string", "description": "Of a bounce: the SMTP status (5.1.1)"},
        "reason": {"type": "string", "description": "Of a drop: why SendGrid did not send"},
        SENDGRID_REF: {
            "type": "string",
            "description": "The delivery, as our X-SMTPAPI unique_args named it",
        },
    },
}
_SENDGRID_BODY: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": True,
            "description": description,
            "schema": {"type": "string", "maxLength": 200},
        }
        for name, description in (
            (
                SENDGRID_SIGNATURE,
                "Base64 DER ECDSA P-256 (SHA-256) signature of the timestamp header followed "
                "by the raw body, under SendGrid's key for this account",
            ),
            (SENDGRID_TIMESTAMP, "When SendGrid signed the post (Unix seconds)"),
        )
    ],
    "requestBody": {
        "required": True,
        "description": f"At most {MAX_SENDGRID_BYTES} bytes (larger: 413)",
        "content": {"application/json": {"schema": {"type": "array", "items": _SENDGRID_EVENT}}},
    },
}


@router.post(
    "/sendgrid/events",
    response_model=CallbackReceived,
    responses=problem_responses(401, 404, 413, 422),
    summary="SendGrid's signed Event Webhook: bounce, dropped and spamreport suppress the address",
    openapi_extra=_SENDGRID_BODY,
)
async def sendgrid_events(request: Request, runtime: RuntimeDep) -> CallbackReceived:
    """Verified with MESSAGE_SENDGRID_EVENT_PUBLIC_KEY (401 `invalid_signature` otherwise,
    nothing recorded; 404 `channel_not_configured` while it is not set). Each event names
    its delivery by the token our X-SMTPAPI `unique_args` gave it, and must name that
    delivery's recipient: `bounce` (type bounce) and `dropped` for a bounced or invalid
    address are hard bounces (the delivery fails, the address is suppressed, reason
    `bounce`), `bounce` of type blocked is recorded only, `spamreport` and `dropped` for a
    spam-reporting address are complaints (reason `complaint`); each once per (delivery,
    state). 422 `malformed_report` for a body that is no array of events."""
    public_key = runtime.config.sendgrid_event_public_key
    if not public_key:
        raise NotFound("SendGrid events are not set up", code="channel_not_configured")
    body = await _body(request, MAX_SENDGRID_BYTES)
    signature = request.headers.get(SENDGRID_SIGNATURE, "")
    timestamp = request.headers.get(SENDGRID_TIMESTAMP, "")
    if not sendgrid_verified(public_key, signature, timestamp, body):
        raise Unauthorized("The events' signature does not verify", code="invalid_signature")
    try:
        applied = await apply_sendgrid_events(kit_state(request.app), runtime.config, body)
    except MalformedReport as exc:
        raise Unprocessable(
            "The body is not an array of SendGrid events", code="malformed_report"
        ) from exc
    return CallbackReceived(
        recorded=applied.recorded, duplicates=applied.duplicates, unknown=applied.unknown
    )


async def _body(request: Request, limit: int | None) -> bytes:
    """The raw body, refused with 413 past `limit` bytes before more of it is read."""
    if limit is None:
        return await request.body()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> AppError:
    return AppError(
        f"The callback is larger than {limit} bytes", status=413, code="payload_too_large"
    )


def _called_url(request: Request, public_url: str) -> str:
    """The address the provider called, as the public sees it: behind the gateway this
    service is reached under another host, so the base is ours (MESSAGE_PUBLIC_URL), then
    the path and the query exactly as they came."""
    url = public_url.rstrip("/") + request.url.path
    if query := request.scope.get("query_string", b""):
        url += "?" + query.decode("latin-1")
    return url


async def _received(
    request: Request,
    provider: ChannelProvider,
    refused: AppError,
    limit: int | None = None,
    url: str = "",
    tenants: list[uuid.UUID] | None = None,
    *,
    inbound: bool = False,
) -> CallbackReceived:
    """Apply the callback's reports; `refused` when the provider does not accept the body.
    A GET's callback is its query string (the token left out), read as a form."""
    if request.method == "GET":
        fields = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        body = urlencode(fields).encode()
    else:
        body = await _body(request, limit)
    callback = Callback(headers=request.headers, body=body, url=url, inbound=inbound)
    try:
        applied = await apply_updates(kit_state(request.app), provider, callback, tenants=tenants)
    except SignatureInvalid as exc:
        raise refused from exc
    return CallbackReceived(
        recorded=applied.recorded,
        duplicates=applied.duplicates,
        unknown=applied.unknown,
        stopped=applied.stopped,
    )
