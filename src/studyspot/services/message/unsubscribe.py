"""One-click unsubscribe (RFC 8058) for every message that needs consent.

A non-transactional e-mail carries `List-Unsubscribe: <…/api/messages/unsubscribe?token=…>`
and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and the same link in its
text. The token names the tenant, the person, the channel and the purpose, and
is an HMAC under a key derived from AUTH_LINK_ENCRYPTION_KEY (domain-separated,
so it opens no link), so it cannot be forged for someone else. POSTing it
withdraws that consent, recorded like any withdrawal (by the recipient);
GET only says what it would withdraw, because mail scanners fetch links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.state import KitState
from studyspot.services.message.consent import Purpose, record_consent

_DOMAIN = b"studyspot-unsubscribe-v1\x00"


class InvalidUnsubscribeToken(AppError):
    status, code = 400, "invalid_unsubscribe_token"


@dataclass(frozen=True)
class Unsubscribe:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    channel: str
    purpose: Purpose


def _mac(secret: str, body: bytes) -> str:
    return hmac.new(_DOMAIN + secret.encode(), body, hashlib.sha256).hexdigest()[:32]


def token_for(secret: str, what: Unsubscribe) -> str:
    body = json.dumps(
        [str(what.tenant_id), str(what.user_id), what.channel, what.purpose],
        separators=(",", ":"),
    ).encode()
    return base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + _mac(secret, body)


def read_token(secret: str, token: str) -> Unsubscribe:
    encoded, _, mac = token.partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as exc:
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid") from exc
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid")
    tenant, user, channel, purpose = json.loads(body)
    if purpose not in ("reminders", "promotional"):
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid")
    return Unsubscribe(uuid.UUID(tenant), uuid.UUID(user), str(channel), purpose)


def link_for(public_url: str, secret: str, what: Unsubscribe) -> str:
    return f"{public_url.rstrip('/')}/api/messages/unsubscribe?token={token_for(secret, what)}"


async def withdraw(kit: KitState, what: Unsubscribe, now: datetime) -> None:
    db = await kit.tenants.for_tenant(kit.core, what.tenant_id)
    async with unit_of_work(db, tenant_id=what.tenant_id) as session:
        await record_consent(
            session,
            what.tenant_id,
            None,
            user_id=what.user_id,
            channel=what.channel,
            purpose=what.purpose,
            granted=False,
            notice_version="unsubscribe-link",
            now=now,
        )
