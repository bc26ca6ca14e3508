"""A local WhatsApp Cloud API: the message endpoint the message service uses, and Meta's
signed status callbacks.

From Meta's documentation: `POST /{version}/{phone number id}/messages` with
`Authorization: Bearer <access token>` and a template message
(`messaging_product: whatsapp`, `to` as digits with the country code,
`type: template`, `template: {name, language: {code}, components}`) answers
`{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}`;
errors are `{"error": {"message", "type", "code", ...}}`. A number in `undeliverable`
gets code 131026 ("message undeliverable").

`callback()` builds a status webhook as Meta sends it (`entry[].changes[].value.statuses[]`
with id, status, timestamp, recipient_id, `biz_opaque_callback_data`, errors), signed in
`X-Hub-Signature-256` with HMAC-SHA256 of the raw body under the app secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any

from aiohttp import web
from tests.fakes.served import ServedFake


class FakeWhatsApp(ServedFake):
    def __init__(self) -> None:
        self.phone_number_id = str(secrets.randbelow(10**15))
        self.access_token = "EAAG" + secrets.token_urlsafe(24)
        self.app_secret = secrets.token_hex(16)
        self.verify_token = secrets.token_urlsafe(12)
        self.sent: list[dict[str, Any]] = []
        self.undeliverable: set[str] = set()
        app = web.Application()
        app.router.add_post("/{version}/{phone_id}/messages", self._messages)
        super().__init__(app)

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response(
            {"error": {"message": message, "type": "OAuthException", "code": code}}, status=status
        )

    async def _messages(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return self._error(401, 190, "Invalid OAuth access token")
        if request.match_info["phone_id"] != self.phone_number_id:
            return self._error(400, 100, "Unsupported post request")
        body = await request.json()
        template = body.get("template") or {}
        to = str(body.get("to", ""))
        well_formed = (
            body.get("messaging_product") == "whatsapp"
            and body.get("type") == "template"
            and to.isdigit()
            and len(to) == 12
            and str(template.get("name", "")).startswith("studyspot_")
            and template.get("language", {}).get("code") in ("en", "hi")
            and all(
                p.get("type") == "text" and isinstance(p.get("text"), str) and p["text"]
                for c in template.get("components", [])
                for p in c.get("parameters", [])
            )
        )
        if not well_formed:
            return self._error(400, 100, "Invalid parameter")
        if to in self.undeliverable:
            return self._error(400, 131026, "Message undeliverable")
        message_id = "wamid." + secrets.token_urlsafe(24)
        self.sent.append({**body, "id": message_id})
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": message_id}],
            }
        )

    def reply(
        self, from_number: str, text: str, *, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """An inbound text message webhook (`value.messages[]`) from `from_number` (digits)."""
        item = {
            "from": from_number,
            "id": "wamid." + uuid.uuid4().hex,
            "timestamp": str(int(time.time())),
            "type": "text",
            "text": {"body": text},
        }
        value = {
            "contacts": [{"profile": {"name": "Priya"}, "wa_id": from_number}],
            "messages": [item],
        }
        return self._signed(value, secret)

    def _signed(self, value: dict[str, Any], secret: str | None) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "id": "WABA_ID",
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messaging_product": "whatsapp",
                                    "metadata": {"phone_number_id": self.phone_number_id},
                                    **value,
                                },
                            }
                        ],
                    }
                ],
            }
        ).encode()
        mac = hmac.new((secret or self.app_secret).encode(), body, hashlib.sha256).hexdigest()
        return body, {"X-Hub-Signature-256": f"sha256={mac}", "Content-Type": "application/json"}

    def callback(
        self, message: dict[str, Any], status: str, *, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A status webhook for a message sent earlier, and its headers."""
        item: dict[str, Any] = {
            "id": message["id"],
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": message["to"],
            "biz_opaque_callback_data": message.get("biz_opaque_callback_data"),
        }
        if status == "failed":
            item["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
        return self._signed({"statuses": [item]}, secret)
