"""SMS through Twilio's Programmable Messaging API: the second SMS provider.

`POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth with the
account SID and auth token, form fields `To` (E.164), `From` (the sender registered
with Twilio) and `Body`. Twilio answers 201 with `{"sid": "SM…", "status": "queued"}`,
or an error `{"code": <Twilio error code>, "message", "status"}`. For India, Twilio
matches the text against the DLT templates registered with it, so the text we send is
our rendered wording, which must be the registered one.

Error codes that are about the recipient: 21211 (not a valid number) and 21614 (not a
mobile number) are permanent `sms_invalid_number`; 21610 means the person replied STOP
to this sender, `sms_recipient_stopped` (the dispatcher suppresses the number for both).
"""

from __future__ import annotations

from typing import Any

import aiohttp

from studyspot.services.message.channels.base import Accepted, Outgoing, SendFailed
from studyspot.services.message.channels.http import HttpProvider, failure_of
from studyspot.services.message.channels.msg91 import segments

_RECIPIENT_ERRORS = {
    21211: "sms_invalid_number",
    21614: "sms_invalid_number",
    21610: "sms_recipient_stopped",
}


class TwilioSms(HttpProvider):
    channel = "sms"
    provider = "twilio"

    async def send(self, message: Outgoing) -> Accepted:
        c = self.config
        url = (
            f"{c.twilio_base_url.rstrip('/')}/2010-04-01/Accounts/"
            f"{c.twilio_account_sid}/Messages.json"
        )
        form = {"To": message.to, "From": c.twilio_from, "Body": message.text}
        login = {
            "Authorization": aiohttp.encode_basic_auth(c.twilio_account_sid, c.twilio_auth_token)
        }
        try:
            async with self.http().post(url, data=form, headers=login) as r:
                answer: dict[str, Any] = await r.json(content_type=None)
                status = r.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SendFailed("sms_unreachable") from exc
        if status >= 400:
            code = _RECIPIENT_ERRORS.get(int(answer.get("code") or 0))
            if code is not None:
                raise SendFailed(code, permanent=True)
            raise failure_of(status, "sms_refused")
        sid = str(answer.get("sid") or "")
        if not sid:
            raise SendFailed("sms_refused", permanent=True)
        return Accepted(self.provider, sid)

    def cost_paise(self, message: Outgoing) -> int:
        return self.config.sms_price_paise_per_segment * segments(message.text)
