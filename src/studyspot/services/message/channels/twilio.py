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

Callbacks. Each message carries `StatusCallback`: our status webhook
(`{MESSAGE_PUBLIC_URL}/api/messages/webhooks/twilio/status?ref=<CRQID>`, the tenant and
delivery packed as for MSG91), to which Twilio posts the form fields `MessageSid`,
`MessageStatus` (queued, sending, sent, delivered, undelivered, failed), `ErrorCode`,
`AccountSid`, `From`, `To`. Replies to our number arrive at the inbound webhook set on
the number (`…/webhooks/twilio/inbound`) as `From`, `To`, `Body`, `MessageSid`, ….
Twilio signs both: `X-Twilio-Signature` is the base64 HMAC-SHA1, under the account's
auth token, of the full URL it called followed by every POST parameter sorted by name,
each name and value concatenated. We check it against the URL we gave Twilio (the
public one: behind the gateway this service sees another host), in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import aiohttp

from studyspot.services.message.channels.base import (
    SMS_START_WORDS,
    SMS_STOP_WORDS,
    Accepted,
    Callback,
    Outgoing,
    SendFailed,
    SignatureInvalid,
    StatusUpdate,
    reply_word,
)
from studyspot.services.message.channels.http import HttpProvider, failure_of
from studyspot.services.message.channels.msg91 import crqid_of, reference_of, segments

STATUS_PATH = "/api/messages/webhooks/twilio/status"
INBOUND_PATH = "/api/messages/webhooks/twilio/inbound"
# Twilio's callbacks are a few hundred bytes (an inbound text at most 1,600 characters):
# anything larger is not Twilio's and is refused before it is parsed.
MAX_CALLBACK_BYTES = 64 * 1024
_MAX_FIELDS = 100
# What the inbound webhook answers: TwiML that sends no reply (Twilio answers STOP and
# START itself).
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_ERROR_CODE = re.compile(r"[0-9]{1,8}")

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
        if message.reference:
            # Twilio posts each change of the message's status here, signed.
            form["StatusCallback"] = self.status_callback_url(message.reference)
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

    def status_callback_url(self, reference: str) -> str:
        """Our public status webhook for the message of `reference` (`<tenant>:<delivery>`)."""
        return f"{self.config.public_url.rstrip('/')}{STATUS_PATH}?ref={crqid_of(reference)}"

    def _verified(self, callback: Callback) -> dict[str, str]:
        """The callback's form fields, once Twilio's signature over them checks out."""
        try:
            pairs = parse_qsl(
                callback.body.decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=_MAX_FIELDS,
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise SignatureInvalid("twilio: not a form") from exc
        token = self.config.twilio_auth_token
        given = callback.headers.get("x-twilio-signature", "")
        if not token or not callback.url or not given:
            raise SignatureInvalid("twilio")
        expected = signature(token, callback.url, pairs)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise SignatureInvalid("twilio")
        fields = dict(pairs)
        if fields.get("AccountSid") != self.config.twilio_account_sid:
            raise SignatureInvalid("twilio: another account")
        return fields

    def status_updates(self, callback: Callback) -> list[StatusUpdate]:
        """What a status callback reports: delivered, or failed (undelivered or failed,
        with Twilio's error code); queued, sending and sent add nothing to our `sent`."""
        fields = self._verified(callback)
        status = fields.get("MessageStatus", "")
        if status not in ("delivered", "undelivered", "failed"):
            return []
        sid = fields.get("MessageSid", "")
        if not sid:
            raise SignatureInvalid("twilio: a status without its message")
        error = fields.get("ErrorCode", "")
        code = None
        if status != "delivered":
            # Twilio's codes are five digits; anything else is kept out of our short codes.
            numeric = _ERROR_CODE.fullmatch(error) is not None
            known = _RECIPIENT_ERRORS.get(int(error)) if numeric else None
            code = known or (f"twilio_{error}" if numeric else f"sms_{status}")
        refs = parse_qs(urlsplit(callback.url).query).get("ref", [""])
        return [
            StatusUpdate(
                provider_message_id=sid,
                state="delivered" if status == "delivered" else "failed",
                # Twilio's status callbacks carry no time: the moment we were told.
                at=datetime.now(UTC),
                code=code,
                reference=reference_of(refs[0]),
            )
        ]

    def _replies(self, callback: Callback, words: frozenset[str]) -> list[str]:
        """The sender of an inbound message whose whole body is one of `words`."""
        fields = self._verified(callback)
        status = fields.get("MessageStatus") or fields.get("SmsStatus") or "received"
        sender = fields.get("From", "")
        if status != "received" or "Body" not in fields or not _E164.match(sender):
            return []
        return [sender] if reply_word(fields["Body"]) in words else []

    def stop_requests(self, callback: Callback) -> list[str]:
        return self._replies(callback, SMS_STOP_WORDS)

    def start_requests(self, callback: Callback) -> list[str]:
        return self._replies(callback, SMS_START_WORDS)


def signature(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature for a POST to `url` with form `params`."""
    data = url + "".join(name + value for name, value in sorted(params))
    mac = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()
