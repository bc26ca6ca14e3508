"""`/api/messages/unsubscribe`: the link in every message that needs consent (no login)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from studyspot.kit.errors import problem_responses
from studyspot.kit.models import utcnow
from studyspot.kit.state import kit_state
from studyspot.services.message.dependencies import RuntimeDep
from studyspot.services.message.unsubscribe import read_token, withdraw

router = APIRouter(prefix="/api/messages/unsubscribe", tags=["consent"])

Token = Annotated[str, Query(min_length=10, max_length=400, description="From the message")]


class UnsubscribeRead(BaseModel):
    channel: str
    purpose: str = Field(description="reminders or promotional")
    withdrawn: bool = Field(description="Whether this request withdrew the consent")


@router.get(
    "",
    response_model=UnsubscribeRead,
    responses=problem_responses(400),
    summary="What the unsubscribe link would stop (changes nothing: mail scanners fetch links)",
)
async def describe(token: Token, runtime: RuntimeDep) -> UnsubscribeRead:
    what = read_token(runtime.config.link_encryption_key, token)
    return UnsubscribeRead(channel=what.channel, purpose=what.purpose, withdrawn=False)


@router.post(
    "",
    response_model=UnsubscribeRead,
    responses=problem_responses(400, 404),
    summary="Withdraw the consent the link names (RFC 8058 one-click)",
)
async def unsubscribe(token: Token, runtime: RuntimeDep, request: Request) -> UnsubscribeRead:
    """400 `invalid_unsubscribe_token` for a link that was altered or forged."""
    what = read_token(runtime.config.link_encryption_key, token)
    await withdraw(kit_state(request.app), what, utcnow())
    return UnsubscribeRead(channel=what.channel, purpose=what.purpose, withdrawn=True)
