"""A local Twilio: the Messages API the message service's second SMS provider uses.

`POST /2010-04-01/Accounts/{sid}/Messages.json` with HTTP Basic auth (account SID, auth
token) and form fields `To`, `From`, `Body` answers 201 `{"sid": "SM…", "status":
"queued", …}`. A wrong login is 401 code 20003; a `To` that is not E.164 or is in
`invalid` is 400 code 21211; one in `stopped` (the person replied STOP to the sender)
is 400 code 21610; a `From` other than the registered sender is 400 code 21606; a
`StatusCallback` that is no http(s) URL is 400 code 21609.

Callbacks, as Twilio makes them: `report(sid, status)` posts the message's status
(`MessageSid`, `MessageStatus`, `ErrorCode` for undelivered and failed, …) to the
`StatusCallback` it was sent with; `reply(from_number, text)` posts an incoming message
to `inbound_url` (the webhook set on the number). Both are form-encoded and carry
`X-Twilio-Signature`: base64 HMAC-SHA1 under the auth token of the URL followed by the
fields sorted by name, each name then value. `deliver` makes the POST (over HTTP by
default; a test may hand it to an in-process app).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from tests.fakes.served import ServedFake
from tests.fakes.server import post_webhook

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
OPT_IN = frozenset({"start", "unstop", "yes"})
Deliver = Callable[[str, bytes, dict[str, str]], Awaitable[int]]


def twilio_signature(auth_token: str, url: str, fields: dict[str, str]) -> str:
    signed = url + "".join(name + fields[name] for name in sorted(fields))
    return base64.b64encode(
        hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    ).decode()


class FakeTwilio(ServedFake):
    def __init__(self) -> None:
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.sender = "STDSPT"
        self.sent: list[dict[str, str]] = []
        self.invalid: set[str] = set()
        self.stopped: set[str] = set()
        # sid → the StatusCallback the message was sent with
        self.callbacks: dict[str, str] = {}
        self.inbound_url = ""
        self.deliver: Deliver = post_webhook
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)
        super().__init__(app)

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response(
            {"code": code, "message": message, "status": status}, status=status
        )

    async def _messages(self, request: web.Request) -> web.Response:
        login = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if (
            request.match_info["sid"] != self.account_sid
            or request.headers.get("Authorization") != f"Basic {login}"
        ):
            return self._error(401, 20003, "Authenticate")
        form = await request.post()
        to, sender, body = (
            str(form.get("To", "")),
            str(form.get("From", "")),
            str(form.get("Body", "")),
        )
        if sender != self.sender:
            return self._error(400, 21606, "The From phone number is not a valid sender")
        if not E164.match(to) or to in self.invalid:
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.stopped:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        if not body:
            return self._error(400, 21602, "Message body is required.")
        callback = str(form.get("StatusCallback", ""))
        if callback and not callback.startswith(("http://", "https://")):
            return self._error(400, 21609, "The StatusCallback URL is not valid")
        sid = "SM" + secrets.token_hex(16)
        self.sent.append({"sid": sid, "to": to, "from": sender, "body": body})
        if callback:
            self.callbacks[sid] = callback
        answer: dict[str, Any] = {"sid": sid, "status": "queued", "to": to, "from": sender}
        return web.json_response(answer, status=201)

    def _signed(
        self, url: str, fields: dict[str, str], token: str | None
    ) -> tuple[bytes, dict[str, str]]:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(token or self.auth_token, url, fields),
        }
        return urlencode(fields).encode(), headers

    def status_callback(
        self, sid: str, status: str, *, error_code: int | None = None, token: str | None = None
    ) -> tuple[str, bytes, dict[str, str]]:
        """The status callback Twilio posts for message `sid`: (url, body, headers)."""
        [sent] = [m for m in self.sent if m["sid"] == sid]
        fields = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": sent["from"],
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": sent["to"],
        }
        if status in ("undelivered", "failed"):
            fields["ErrorCode"] = str(error_code or 30003)
        url = self.callbacks[sid]
        return url, *self._signed(url, fields, token)

    async def report(self, sid: str, status: str, *, error_code: int | None = None) -> int:
        """Twilio calling the message's StatusCallback; the receiver's HTTP status."""
        return await self.deliver(*self.status_callback(sid, status, error_code=error_code))

    def incoming(
        self, from_number: str, text: str, *, token: str | None = None
    ) -> tuple[str, bytes, dict[str, str]]:
        """An incoming SMS to our sender as Twilio posts it to `inbound_url` (blank fields
        included: they are signed too)."""
        sid = "SM" + secrets.token_hex(16)
        fields = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": text,
            "From": from_number,
            "FromCity": "",
            "FromCountry": "IN",
            "FromState": "",
            "FromZip": "",
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": self.sender,
            "ToCountry": "IN",
        }
        return self.inbound_url, *self._signed(self.inbound_url, fields, token)

    async def reply(self, from_number: str, text: str) -> int:
        """A person texting our sender; the receiver's HTTP status. Like Twilio, an opt-out
        keyword blocks further messages to the number (21610) and an opt-in lifts it."""
        word = text.strip().lower()
        if word in OPT_OUT:
            self.stopped.add(from_number)
        elif word in OPT_IN:
            self.stopped.discard(from_number)
        return await self.deliver(*self.incoming(from_number, text))
