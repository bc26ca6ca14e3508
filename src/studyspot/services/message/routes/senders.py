"""The business's own sender accounts (`/api/messages/sender-accounts`): owners only.

Secrets go in and never come out: a read says only whether one is stored.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.crypto import DecryptionError, SecretBox
from studyspot.kit.errors import Unprocessable, problem_responses
from studyspot.kit.models import utcnow
from studyspot.kit.state import kit_state
from studyspot.services.message import senders
from studyspot.services.message.dependencies import MessagesManage, RuntimeDep
from studyspot.services.message.models import SenderAccount
from studyspot.services.message.schemas import (
    MessageSettingsRead,
    MessageSettingsWrite,
    Msg91AccountSave,
    SenderAccountRead,
    SenderWebhooks,
    SmtpAccountSave,
    TwilioAccountSave,
    WhatsAppAccountSave,
)
from studyspot.services.message.templates import KINDS

router = APIRouter(prefix="/api/messages/sender-accounts", tags=["sender accounts"])
WEBHOOKS = "/api/messages/webhooks"
CHANNELS = ("whatsapp", "sms", "email")


def _webhooks(
    account: SenderAccount, box: SecretBox | None, public_url: str
) -> SenderWebhooks | None:
    """The addresses the owner sets on the provider's side for this account."""
    hooks = public_url.rstrip("/") + WEBHOOKS
    if account.provider == "twilio":
        return SenderWebhooks(inbound_url=f"{hooks}/twilio/inbound?tenant={account.tenant_id}")
    if account.webhook_id is None or box is None:
        return None
    try:
        token = senders.webhook_token(box, account)
    except DecryptionError:
        return None  # logged when the provider is built; nothing to show
    if account.provider == "whatsapp_cloud":
        return SenderWebhooks(
            callback_url=f"{hooks}/whatsapp/{account.webhook_id}", verify_token=token
        )
    own = f"{hooks}/msg91/{account.webhook_id}"
    query = urlencode({"token": token})
    return SenderWebhooks(
        delivery_report_url=f"{own}?{query}", inbound_url=f"{own}/inbound?{query}"
    )


def _read(account: SenderAccount, runtime: RuntimeDep) -> SenderAccountRead:
    settings: dict[str, str | int | None] = {
        k: v for k, v in account.settings.items() if k != "flows_json"
    }
    if "flows_json" in account.settings:
        settings["flow_kinds"] = ",".join(sorted(json.loads(account.settings["flows_json"])))
    box = runtime.dispatcher.tenant_channels.box
    return SenderAccountRead(
        channel=account.channel,
        provider=account.provider,
        settings=settings,
        has_secret=account.secret_ciphertext is not None,
        has_webhook_secret=account.webhook_secret_ciphertext is not None,
        webhooks=_webhooks(account, box, runtime.config.public_url),
        updated_at=account.updated_at,
    )


async def _save(
    who: MessagesManage,
    session: TenantSession,
    runtime: RuntimeDep,
    save: senders.SenderSave,
    request: Request,
) -> SenderAccountRead:
    box = runtime.dispatcher.tenant_channels.box
    if box is None:
        raise Unprocessable("This service cannot store secrets", code="secrets_unavailable")
    account = await senders.save_account(
        session,
        box,
        who.require_tenant(),
        save,
        actor_id=who.user_id,
        actor_type=who.user_type,
    )
    # The address's route is committed first (a failure after it leaves an id no account
    # holds, which answers 404 like any other).
    await senders.add_webhook_route(kit_state(request.app).core, account)
    return _read(account, runtime)


@router.get(
    "",
    response_model=list[SenderAccountRead],
    responses=problem_responses(403),
    summary="The business's own sender accounts (channels without one use the platform's)",
)
async def list_sender_accounts(
    who: MessagesManage, session: TenantSession, runtime: RuntimeDep
) -> list[SenderAccountRead]:
    """With each account, the addresses to set on the provider's side (`webhooks`)."""
    accounts = await senders.list_accounts(session, who.require_tenant())
    return [_read(a, runtime) for a in accounts]


@router.put(
    "/smtp",
    response_model=SenderAccountRead,
    responses=problem_responses(403, 422),
    summary="Send the business's e-mail through its own SMTP relay",
)
async def save_smtp(
    body: SmtpAccountSave,
    who: MessagesManage,
    session: TenantSession,
    runtime: RuntimeDep,
    request: Request,
) -> SenderAccountRead:
    """422 `smtp_host_refused` for a local name or a loopback, private or reserved
    address; 422 when a new account has no password."""
    senders.check_smtp_host(body.host, allow_private=runtime.config.tenant_smtp_private_hosts)
    settings: dict[str, Any] = {
        "host": body.host,
        "port": body.port,
        "security": body.security,
        "username": body.username,
        "from_address": body.from_address,
    }
    return await _save(
        who, session, runtime, senders.SenderSave("email", settings, body.password, None), request
    )


@router.put(
    "/msg91",
    response_model=SenderAccountRead,
    responses=problem_responses(403, 422),
    summary="Send the business's SMS through its own MSG91 account and DLT registration",
)
async def save_msg91(
    body: Msg91AccountSave,
    who: MessagesManage,
    session: TenantSession,
    runtime: RuntimeDep,
    request: Request,
) -> SenderAccountRead:
    """422 for a flow of a message kind that does not exist, or a new account without
    its auth key."""
    unknown = sorted(k for k in body.flows if k not in KINDS)
    if unknown:
        raise Unprocessable(
            "No such message kind",
            errors=[
                {"field": f"body.flows.{k}", "message": "is not a message kind"} for k in unknown
            ],
        )
    flows = {k: v.model_dump() for k, v in body.flows.items()}
    settings = {"sender": body.sender, "entity_id": body.entity_id, "flows_json": json.dumps(flows)}
    return await _save(
        who, session, runtime, senders.SenderSave("sms", settings, body.auth_key, None), request
    )


@router.put(
    "/twilio",
    response_model=SenderAccountRead,
    responses=problem_responses(403, 422),
    summary="Send the business's SMS through its own Twilio account",
)
async def save_twilio(
    body: TwilioAccountSave,
    who: MessagesManage,
    session: TenantSession,
    runtime: RuntimeDep,
    request: Request,
) -> SenderAccountRead:
    """Takes the place of an MSG91 account (one SMS account per business). 422 when a new
    account, or one that was MSG91's, has no auth token. Twilio calls back on the
    business's messages with its own token; set the number's incoming-message webhook to
    `…/api/messages/webhooks/twilio/inbound?tenant=<the business's id>`."""
    settings = {"account_sid": body.account_sid, "sender": body.sender}
    save = senders.SenderSave("sms", settings, body.auth_token, None, provider="twilio")
    return await _save(who, session, runtime, save, request)


@router.put(
    "/whatsapp",
    response_model=SenderAccountRead,
    responses=problem_responses(403, 422),
    summary="Send the business's WhatsApp messages from its own WhatsApp Business number",
)
async def save_whatsapp(
    body: WhatsAppAccountSave,
    who: MessagesManage,
    session: TenantSession,
    runtime: RuntimeDep,
    request: Request,
) -> SenderAccountRead:
    """422 when a new account has no access token."""
    settings = {"phone_number_id": body.phone_number_id}
    save = senders.SenderSave("whatsapp", settings, body.access_token, body.app_secret)
    return await _save(who, session, runtime, save, request)


@router.delete(
    "/{channel}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404),
    summary="Go back to the platform's provider for a channel",
)
async def delete_sender_account(
    channel: Annotated[Literal["email", "sms", "whatsapp"], Path()],
    who: MessagesManage,
    session: TenantSession,
) -> Response:
    await senders.delete_account(
        session, who.require_tenant(), channel, actor_id=who.user_id, actor_type=who.user_type
    )
    return Response(status_code=204)


settings_router = APIRouter(prefix="/api/messages/settings", tags=["sender accounts"])


async def _settings(
    session: TenantSession, runtime: RuntimeDep, tenant_id: uuid.UUID
) -> MessageSettingsRead:
    order, chosen = await senders.fallback_order(session, tenant_id, runtime.config.channel_order())
    channels = await runtime.dispatcher.channels_for(session, tenant_id)
    return MessageSettingsRead(
        fallback_order=[c for c in order if c in CHANNELS],
        chosen=chosen,
        configured=[c for c in CHANNELS if c in channels],
    )


@settings_router.get(
    "",
    response_model=MessageSettingsRead,
    responses=problem_responses(403),
    summary="The business's fallback order of channels, and which channels are set up",
)
async def read_settings(
    who: MessagesManage, session: TenantSession, runtime: RuntimeDep
) -> MessageSettingsRead:
    return await _settings(session, runtime, who.require_tenant())


@settings_router.put(
    "",
    response_model=MessageSettingsRead,
    responses=problem_responses(403, 422),
    summary="Choose the order a person's messages try the channels in",
)
async def save_settings(
    body: MessageSettingsWrite, who: MessagesManage, session: TenantSession, runtime: RuntimeDep
) -> MessageSettingsRead:
    tenant_id = who.require_tenant()
    await senders.save_fallback_order(
        session,
        tenant_id,
        list(body.fallback_order),
        actor_id=who.user_id,
        actor_type=who.user_type,
        now=utcnow(),
    )
    return await _settings(session, runtime, tenant_id)
