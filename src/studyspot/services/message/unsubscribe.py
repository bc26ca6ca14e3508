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
from studyspot.services.message.consent import Purpose, record_consent, withdraw_guardian

_DOMAIN = b"studyspot-unsubscribe-v1\x00"


class InvalidUnsubscribeToken(AppError):
    status, code = 400, "invalid_unsubscribe_token"


@dataclass(frozen=True)
class Unsubscribe:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    channel: str
    purpose: Purpose


def _mac(domain: bytes, secret: str, body: bytes) -> str:
    return hmac.new(domain + secret.encode(), body, hashlib.sha256).hexdigest()[:32]


def sign(domain: bytes, secret: str, parts: list[str]) -> str:
    """`parts` in a URL-safe token with an HMAC under `secret`, separated by `domain` from
    every other use of the key (this link, a guardian's consent link)."""
    body = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + _mac(domain, secret, body)


def unsign(domain: bytes, secret: str, token: str) -> list[str] | None:
    """The parts `sign` put in `token`, or None if it was altered or made for another use."""
    encoded, _, mac = token.partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        return None
    if not hmac.compare_digest(mac, _mac(domain, secret, body)):
        return None
    parts = json.loads(body)
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        return None
    return parts


def token_for(secret: str, what: Unsubscribe) -> str:
    return sign(
        _DOMAIN, secret, [str(what.tenant_id), str(what.user_id), what.channel, what.purpose]
    )


def read_token(secret: str, token: str) -> Unsubscribe:
    parts = unsign(_DOMAIN, secret, token)
    if parts is None or len(parts) != 4 or parts[3] not in ("reminders", "promotional"):
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid")
    tenant, user, channel, purpose = parts
    return Unsubscribe(uuid.UUID(tenant), uuid.UUID(user), channel, purpose)  # type: ignore[arg-type]


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
        # A minor's reminders went to the guardian: the guardian's answer is withdrawn too.
        await withdraw_guardian(
            session,
            what.tenant_id,
            [what.user_id],
            channel=what.channel,
            contact=None,
            via="unsubscribe",
            now=now,
        )
