"""A local Twilio: the Messages API the message service's second SMS provider uses.

`POST /2010-04-01/Accounts/{sid}/Messages.json` with HTTP Basic auth (account SID, auth
token) and form fields `To`, `From`, `Body` answers 201 `{"sid": "SM…", "status":
"queued", …}`. A wrong login is 401 code 20003; a `To` that is not E.164 or is in
`invalid` is 400 code 21211; one in `stopped` (the person replied STOP to the sender)
is 400 code 21610; a `From` other than the registered sender is 400 code 21606.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from aiohttp import web
from tests.fakes.served import ServedFake

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class FakeTwilio(ServedFake):
    def __init__(self) -> None:
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.sender = "STDSPT"
        self.sent: list[dict[str, str]] = []
        self.invalid: set[str] = set()
        self.stopped: set[str] = set()
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
        sid = "SM" + secrets.token_hex(16)
        self.sent.append({"sid": sid, "to": to, "from": sender, "body": body})
        answer: dict[str, Any] = {"sid": sid, "status": "queued", "to": to, "from": sender}
        return web.json_response(answer, status=201)
