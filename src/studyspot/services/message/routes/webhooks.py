"""Provider callbacks (`/api/messages/webhooks/*`): no user token, the provider's signature."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
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
from studyspot.services.message.channels.base import ChannelProvider, SignatureInvalid
from studyspot.services.message.channels.msg91 import Msg91Sms
from studyspot.services.message.dependencies import RuntimeDep
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
    if mode != "subscribe" or token != expected:
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
    provider = runtime.dispatcher.channels.get("sms")
    if not isinstance(provider, Msg91Sms) or not provider.config.msg91_webhook_token:
        raise NotFound("MSG91 delivery reports are not set up", code="channel_not_configured")
    if not provider.accepts_token(token):
        raise Unauthorized("The report's token does not match", code="invalid_signature")
    refused = Unprocessable("The body is not an MSG91 delivery report", code="malformed_report")
    return await _received(request, provider, refused)


async def _received(
    request: Request, provider: ChannelProvider, refused: AppError
) -> CallbackReceived:
    """Apply the callback's reports; `refused` when the provider does not accept the body."""
    body = await request.body()
    try:
        applied = await apply_updates(kit_state(request.app), provider, request.headers, body)
    except SignatureInvalid as exc:
        raise refused from exc
    return CallbackReceived(**dataclasses.asdict(applied))
