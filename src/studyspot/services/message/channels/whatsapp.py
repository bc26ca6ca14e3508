"""WhatsApp through Meta's Cloud API: approved templates out, signed status callbacks in.

Send: `POST {base}/{version}/{phone number id}/messages` with the access token as
a bearer, a `template` message (approved name `studyspot_<kind>`, language
`en`/`hi`, the kind's variables as body parameters) and `biz_opaque_callback_data`
= our reference, which Meta echoes in status callbacks. A business may send
free text only inside the 24-hour customer-service window opened by the
person's own message; this service never receives those, so it always sends
an approved template, which is allowed inside the window too.

Status callbacks (`POST /api/messages/webhooks/whatsapp`) carry
`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body under the app secret>`;
anything else is refused before it is read. Subscription is verified with
`GET ...?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp

from studyspot.services.message.channels.base import (
    Accepted,
    Callback,
    DeliveryState,
    Outgoing,
    SendFailed,
    SignatureInvalid,
    StatusUpdate,
    reply_word,
)
from studyspot.services.message.channels.http import HttpProvider, failure_of

_STATES: dict[str, DeliveryState] = {
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}
# Meta's error codes that mean "this number cannot get this message", not "try later".
_PERMANENT_CODES = {131026, 131047, 131051, 132000, 132001, 132012}


# Replies that withdraw consent, as people type them (trimmed, any case).
STOP_WORDS = frozenset({"stop", "stop all", "unsubscribe", "cancel", "रोकें", "बंद करें"})


def is_stop(text: str) -> bool:
    return reply_word(text) in STOP_WORDS


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def to_whatsapp_number(phone: str) -> str:
    """+91XXXXXXXXXX → 91XXXXXXXXXX (the Cloud API takes digits with the country code)."""
    return phone.lstrip("+")


class WhatsAppCloud(HttpProvider):
    channel = "whatsapp"
    provider = "whatsapp_cloud"

    async def send(self, message: Outgoing) -> Accepted:
        c = self.config
        url = (
            f"{c.whatsapp_base_url.rstrip('/')}/{c.whatsapp_api_version}/"
            f"{c.whatsapp_phone_number_id}/messages"
        )
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to_whatsapp_number(message.to),
            "type": "template",
            "biz_opaque_callback_data": message.reference,
            "template": {
                "name": f"studyspot_{message.kind}",
                "language": {"code": message.language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": p} for p in message.parameters],
                    }
                ],
            },
        }
        headers = {"Authorization": f"Bearer {c.whatsapp_access_token}"}
        try:
            async with self.http().post(url, json=body, headers=headers) as reply:
                answer: dict[str, Any] = await reply.json(content_type=None)
                status = reply.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SendFailed("whatsapp_unreachable") from exc
        if status >= 400:
            code = int((answer.get("error") or {}).get("code") or 0)
            if code in _PERMANENT_CODES:
                raise SendFailed("whatsapp_undeliverable", permanent=True)
            raise failure_of(status, "whatsapp_refused")
        try:
            message_id = str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as exc:
            raise SendFailed("whatsapp_bad_answer") from exc
        return Accepted(self.provider, message_id)

    def cost_paise(self, message: Outgoing) -> int:
        prices = {
            "transactional": self.config.whatsapp_utility_price_paise,
            "reminders": self.config.whatsapp_utility_price_paise,
            "promotional": self.config.whatsapp_marketing_price_paise,
        }
        return prices[message.category]

    def _verified(self, callback: Callback) -> list[dict[str, Any]]:
        """The callback's `value` objects, once its signature checks out."""
        headers, body = callback.headers, callback.body
        given = headers.get("x-hub-signature-256", "")
        expected = signature(self.config.whatsapp_app_secret, body)
        if not self.config.whatsapp_app_secret or not hmac.compare_digest(given, expected):
            raise SignatureInvalid("whatsapp")
        try:
            payload = json.loads(body)
            return [
                change.get("value", {})
                for entry in payload.get("entry", [])
                for change in entry.get("changes", [])
            ]
        except (ValueError, TypeError, AttributeError) as exc:
            raise SignatureInvalid("whatsapp: not a callback") from exc

    def status_updates(self, callback: Callback) -> list[StatusUpdate]:
        try:
            updates: list[StatusUpdate] = []
            for value in self._verified(callback):
                for item in value.get("statuses", []):
                    state = _STATES.get(str(item.get("status")))
                    if state is None:
                        continue  # "sent" adds nothing to what our send recorded
                    errors = item.get("errors") or [{}]
                    updates.append(
                        StatusUpdate(
                            provider_message_id=str(item["id"]),
                            state=state,
                            at=datetime.fromtimestamp(int(item["timestamp"]), UTC),
                            code=f"whatsapp_{errors[0].get('code')}" if state == "failed" else None,
                            reference=str(item.get("biz_opaque_callback_data") or ""),
                        )
                    )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SignatureInvalid("whatsapp: not a status callback") from exc
        return updates

    def stop_requests(self, callback: Callback) -> list[str]:
        """The numbers (+91…) that wrote STOP (or UNSUBSCRIBE, रोकें) to the business."""
        stopped: list[str] = []
        try:
            for value in self._verified(callback):
                for item in value.get("messages", []):
                    text = str((item.get("text") or {}).get("body", ""))
                    if item.get("type") == "text" and is_stop(text):
                        stopped.append("+" + str(int(str(item["from"]))))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SignatureInvalid("whatsapp: not a message callback") from exc
        return stopped
