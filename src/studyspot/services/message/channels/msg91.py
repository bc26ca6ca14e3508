"""SMS through MSG91's flow API, as Indian regulation (TRAI's DLT) requires.

Every commercial SMS in India must match a template registered on a DLT
platform, carry the registered 6-character sender header and name the
principal entity. MSG91 keeps the registered text as a *flow*: we send
`POST {base}/api/v5/flow` with the `authkey` header and
`{"template_id": <flow id>, "sender", "DLT_TE_ID", "PE_ID", "short_url": "0",
"recipients": [{"mobiles": "91XXXXXXXXXX", "var1": ..., "var2": ...}]}` where
`varN` fill the template's `{#var#}` places in order. MSG91 answers
`{"type": "success", "message": <request id>}` or `{"type": "error", "message": ...}`.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from studyspot.services.message.channels.base import Accepted, Outgoing, SendFailed
from studyspot.services.message.channels.http import HttpProvider, failure_of

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€")


def segments(text: str) -> int:
    """SMS parts a text takes: 160 GSM-7 characters (153 each when split), or 70 UCS-2
    characters (67 each when split) as soon as one character is outside GSM-7 (Hindi)."""
    if all(ch in GSM7 or ch in GSM7_EXTENDED for ch in text):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, part = 160, 153
    else:
        # UTF-16 code units: a character outside the BMP takes two.
        length = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    if length <= single:
        return 1
    return -(-length // part)


class Msg91Sms(HttpProvider):
    channel = "sms"
    provider = "msg91"

    async def send(self, message: Outgoing) -> Accepted:
        c = self.config
        flow = c.msg91_flows().get(message.kind)
        if flow is None:
            # No DLT-registered template for this kind: sending free text would be blocked.
            raise SendFailed("sms_template_not_registered", permanent=True)
        recipient: dict[str, str] = {"mobiles": message.to.lstrip("+")}
        recipient.update({f"var{i}": v for i, v in enumerate(message.parameters, start=1)})
        body: dict[str, Any] = {
            "template_id": flow.flow_id,
            "sender": c.msg91_sender,
            "DLT_TE_ID": flow.dlt_template_id,
            "PE_ID": c.msg91_entity_id,
            "short_url": "0",
            "recipients": [recipient],
        }
        url = f"{c.msg91_base_url.rstrip('/')}/api/v5/flow"
        try:
            async with self.http().post(url, json=body, headers={"authkey": c.msg91_auth_key}) as r:
                answer: dict[str, Any] = await r.json(content_type=None)
                status = r.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SendFailed("sms_unreachable") from exc
        if status >= 400:
            raise failure_of(status, "sms_refused")
        if answer.get("type") != "success":
            raise SendFailed("sms_refused", permanent=True)
        return Accepted(self.provider, str(answer.get("message") or ""))

    def cost_paise(self, message: Outgoing) -> int:
        return self.config.sms_price_paise_per_segment * segments(message.text)
