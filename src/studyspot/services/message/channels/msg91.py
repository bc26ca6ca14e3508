"""SMS through MSG91's flow API, as Indian regulation (TRAI's DLT) requires.

Every commercial SMS in India must match a template registered on a DLT
platform, carry the registered 6-character sender header and name the
principal entity. MSG91 keeps the registered text as a *flow*: we send
`POST {base}/api/v5/flow` with the `authkey` header and
`{"template_id": <flow id>, "sender", "DLT_TE_ID", "PE_ID", "short_url": "0",
"recipients": [{"mobiles": "91XXXXXXXXXX", "var1": ..., "var2": ...}]}` where
`varN` fill the template's `{#var#}` places in order. MSG91 answers
`{"type": "success", "message": <request id>}` or `{"type": "error", "message": ...}`.

Delivery reports: MSG91 pushes them to the webhook URL set on its panel, webhook
v2 as a form field `data` holding a JSON array of `{"requestId", "report": [{"date",
"number", "status", "desc", "CRQID", ...}]}`, v3 as one JSON object of those fields.
Status 1 is delivered; 2 failed; 9 NDNC; 16 and 25 rejected; 17 a blocked number.
Each recipient we send carries a `CRQID` (letters, digits, `-` and `_`), which MSG91
returns in every report: ours packs the tenant and delivery ids. MSG91 signs nothing,
so the URL carries a secret token (`MESSAGE_MSG91_WEBHOOK_TOKEN`, or the token made for
a business's own account), checked before the body is read, and each report must also
name the request id our send recorded.

Inbound SMS: MSG91 receives texts on a virtual number (a long code), each starting with
the keyword the account chose unless the number is the account's alone, and forwards
them to the callback URL set for it. We read the person's number from `sender` and the
text from `content`; `keyword` is taken off the start of the text, so "LAKSHYA STOP" is
STOP. The forward is unsigned too, so its URL carries the same token. The fields come as
a query string, a form or a JSON object.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import aiohttp

from studyspot.kit.india import normalise_mobile
from studyspot.services.message.channels.base import (
    SMS_START_WORDS,
    SMS_STOP_WORDS,
    Accepted,
    Callback,
    DeliveryState,
    Outgoing,
    SendFailed,
    SignatureInvalid,
    StatusUpdate,
    reply_word,
    token_matches,
)
from studyspot.services.message.channels.http import HttpProvider, failure_of
from studyspot.services.message.consent import IST

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€")


# MSG91's report status → what it means for the delivery (statuses not listed, such as
# "submitted", add nothing to what our send recorded).
_REPORTED: dict[str, tuple[DeliveryState, str | None]] = {
    "1": ("delivered", None),
    "2": ("failed", "sms_failed"),
    "9": ("failed", "sms_ndnc"),
    "16": ("failed", "sms_rejected"),
    "25": ("failed", "sms_rejected"),
    "17": ("failed", "sms_blocked"),
}
_PLATFORM = uuid.UUID(int=0)


def crqid_of(reference: str) -> str:
    """`<tenant id>:<delivery id>` (or `platform:<delivery id>`) as a 43-character CRQID."""
    tenant, _, delivery = reference.partition(":")
    owner = _PLATFORM if tenant == "platform" else uuid.UUID(tenant)
    raw = owner.bytes + uuid.UUID(delivery).bytes
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def reference_of(crqid: str) -> str:
    """The reference a CRQID of ours packs, or "" for anything else."""
    try:
        raw = base64.urlsafe_b64decode(crqid + "=" * (-len(crqid) % 4))
    except (ValueError, binascii.Error):
        return ""
    if len(raw) != 32:
        return ""
    owner, delivery = uuid.UUID(bytes=raw[:16]), uuid.UUID(bytes=raw[16:])
    return f"{'platform' if owner == _PLATFORM else owner}:{delivery}"


def _reports(headers: Mapping[str, str], body: bytes) -> Iterator[tuple[str, dict[str, Any]]]:
    """(request id, report) pairs of a v2 (form or JSON array) or v3 (JSON object) callback."""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        payload: Any = json.loads(parse_qs(body.decode())["data"][0])
    else:
        payload = json.loads(body)
        if isinstance(payload, dict) and isinstance(payload.get("data"), str):
            payload = json.loads(payload["data"])
    if isinstance(payload, dict):  # v3: one report, its request id beside it
        yield str(payload["requestId"]), payload
        return
    for entry in payload:
        for report in entry["report"]:
            yield str(entry["requestId"]), {"CRQID": entry.get("CRQID"), **report}


def inbound_reply(callback: Callback) -> tuple[str, str] | None:
    """(the sender as +91…, the reply without the keyword) of an inbound SMS forward, or
    None when it is not from an Indian mobile number. SignatureInvalid when the body is no
    forward at all (no sender or no content)."""
    kind = callback.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/json":
            fields: Any = json.loads(callback.body)
        else:
            fields = dict(parse_qsl(callback.body.decode(), keep_blank_values=True))
        sender, text = str(fields["sender"]), str(fields["content"])
        keyword = str(fields.get("keyword") or "")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise SignatureInvalid("msg91: not an inbound SMS") from exc
    first, _, rest = text.strip().partition(" ")
    if keyword and first.casefold() == keyword.strip().casefold():
        text = rest
    try:
        return normalise_mobile(sender), text
    except ValueError:
        return None


def _reported_at(value: object) -> datetime:
    try:
        local = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return datetime.now(UTC)
    return local.replace(tzinfo=IST)  # MSG91 writes report times in IST.astimezone(UTC)


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
        if message.reference:
            recipient["CRQID"] = crqid_of(message.reference)
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

    def accepts_token(self, token: str) -> bool:
        """Whether `token` is the secret of our MSG91 webhook URL (never, when none is set)."""
        return token_matches(token, self.config.msg91_webhook_token)

    def status_updates(self, callback: Callback) -> list[StatusUpdate]:
        """The reports of a callback whose token the route has checked (accepts_token)."""
        updates: list[StatusUpdate] = []
        if callback.inbound:
            return updates  # a person's text reports nothing about our messages
        try:
            for request_id, report in _reports(callback.headers, callback.body):
                meaning = _REPORTED.get(str(report.get("status")))
                if meaning is None:
                    continue
                state, code = meaning
                updates.append(
                    StatusUpdate(
                        provider_message_id=request_id,
                        state=state,
                        at=_reported_at(report.get("date")),
                        code=code,
                        reference=reference_of(str(report.get("CRQID") or "")),
                    )
                )
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise SignatureInvalid("msg91: not a delivery report") from exc
        return updates

    def _replies(self, callback: Callback, words: frozenset[str]) -> list[str]:
        """The sender of an inbound SMS (token checked by the route) whose text, without
        the keyword, is one of `words`; a delivery report is no reply."""
        if not callback.inbound:
            return []
        reply = inbound_reply(callback)
        return [reply[0]] if reply is not None and reply_word(reply[1]) in words else []

    def stop_requests(self, callback: Callback) -> list[str]:
        return self._replies(callback, SMS_STOP_WORDS)

    def start_requests(self, callback: Callback) -> list[str]:
        return self._replies(callback, SMS_START_WORDS)
