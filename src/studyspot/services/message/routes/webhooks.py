"""Provider callbacks (`/api/messages/webhooks/*`): no user token, the provider's signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from studyspot.kit.errors import Forbidden, NotFound, Unauthorized, problem_responses
from studyspot.kit.state import kit_state
from studyspot.services.message.channels.base import SignatureInvalid
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
    body = await request.body()
    try:
        applied = await apply_updates(kit_state(request.app), provider, request.headers, body)
    except SignatureInvalid as exc:
        raise Unauthorized(
            "The callback's signature does not verify", code="invalid_signature"
        ) from exc
    return CallbackReceived(
        recorded=applied.recorded,
        duplicates=applied.duplicates,
        unknown=applied.unknown,
        stopped=applied.stopped,
    )
