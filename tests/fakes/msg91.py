"""A local MSG91: the flow API (DLT-registered SMS templates) the message service uses.

`POST /api/v5/flow` with the `authkey` header and `{"template_id", "sender",
"DLT_TE_ID", "PE_ID", "short_url", "recipients": [{"mobiles", "var1", ...}]}`
answers `{"type": "success", "message": <request id>}`; a bad key or body
`{"type": "error", "message": ...}`. It checks what DLT requires: a registered
6-letter sender header, the entity id, and a flow it knows with its template id.
`report` writes the delivery report MSG91 pushes to a webhook URL (v2: a form field
`data` holding a JSON array; v3: one JSON object), echoing the recipient's CRQID.
`inbound` writes the forward of a text a person sent to the virtual number (`sender`,
`content` with the keyword it starts with, `keyword`, `inNumber`). MSG91 signs neither:
the URL we gave it carries our token.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from tests.fakes.served import ServedFake


class FakeMsg91(ServedFake):
    def __init__(self) -> None:
        self.auth_key = secrets.token_hex(12)
        self.sender = "STDSPT"
        self.entity_id = "1201159" + str(secrets.randbelow(10**12)).zfill(12)
        # flow id → DLT template id, as registered on the panel
        self.flows: dict[str, str] = {}
        self.sent: list[dict[str, Any]] = []
        # Numbers the operator rejects (MSG91 answers an error for them).
        self.refused: set[str] = set()
        app = web.Application()
        app.router.add_post("/api/v5/flow", self._flow)
        super().__init__(app)

    def register(self, kind: str) -> dict[str, str]:
        """A flow for `kind` with its DLT template id, as MESSAGE_MSG91_FLOWS_JSON names it."""
        flow_id, template_id = secrets.token_hex(12), "1107" + str(secrets.randbelow(10**15))
        self.flows[flow_id] = template_id
        return {"flow_id": flow_id, "dlt_template_id": template_id}

    async def _flow(self, request: web.Request) -> web.Response:
        if request.headers.get("authkey") != self.auth_key:
            return web.json_response(
                {"type": "error", "message": "Authentication failure"}, status=401
            )
        body = await request.json()
        recipients = body.get("recipients") or []
        ok = (
            body.get("sender") == self.sender
            and body.get("PE_ID") == self.entity_id
            and self.flows.get(str(body.get("template_id"))) == body.get("DLT_TE_ID")
            and len(recipients) == 1
            and str(recipients[0].get("mobiles", "")).isdigit()
            and len(str(recipients[0]["mobiles"])) == 12
        )
        if not ok:
            return web.json_response({"type": "error", "message": "Invalid request"}, status=400)
        if str(recipients[0]["mobiles"]) in self.refused:
            return web.json_response({"type": "error", "message": "Invalid mobile number"})
        request_id = secrets.token_hex(12)
        self.sent.append({**body, "request_id": request_id})
        return web.json_response({"type": "success", "message": request_id})

    def report(
        self, sent: dict[str, Any], status: str, *, version: str = "v2", crqid: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The delivery report (body, headers) for a message `sent` earlier: status "1"
        delivered, "2" failed, "9" NDNC, "16"/"25" rejected, "17" blocked."""
        recipient = sent["recipients"][0]
        fields = {
            "date": "2026-12-07 10:06:20",
            "number": recipient["mobiles"],
            "status": status,
            "desc": {"1": "DELIVERED", "17": "BLOCKED"}.get(status, "FAILED"),
            "CRQID": crqid if crqid is not None else recipient.get("CRQID", "0"),
            "credit": "1",
        }
        if version == "v3":
            body = {"requestId": sent["request_id"], "senderId": sent["sender"], **fields}
            return json.dumps(body).encode(), {"content-type": "application/json"}
        entry = {"senderId": sent["sender"], "requestId": sent["request_id"], "report": [fields]}
        form = urlencode({"data": json.dumps([entry])})
        return form.encode(), {"content-type": "application/x-www-form-urlencoded"}

    def inbound(
        self, sender: str, text: str, *, keyword: str = "", as_json: bool = False
    ) -> tuple[bytes, dict[str, str]]:
        """A text from `sender` (+91…) to our virtual number as MSG91 forwards it: the
        person types the keyword first when the number is shared ("LAKSHYA STOP")."""
        fields = {
            "inNumber": "919220092200",
            "sender": sender.lstrip("+"),
            "keyword": keyword,
            "content": f"{keyword} {text}" if keyword else text,
            "rcvd": "2026-12-07 10:06:20",
        }
        if as_json:
            return json.dumps(fields).encode(), {"content-type": "application/json"}
        return urlencode(fields).encode(), {"content-type": "application/x-www-form-urlencoded"}
