"""A local SendGrid: its SMTP relay is the test SMTP server (`tests/fixtures/smtp.py`), and
this signs Event Webhook posts as SendGrid documents its Signed Event Webhook.

SendGrid makes an ECDSA P-256 key pair per account and shows the public key (base64 DER,
SubjectPublicKeyInfo) under Mail Settings; each post carries
`X-Twilio-Email-Event-Webhook-Timestamp` and `X-Twilio-Email-Event-Webhook-Signature`, the
base64 DER signature (SHA-256) of the timestamp followed by the raw body. The body is a JSON
array of events; the `unique_args` a message gave in its `X-SMTPAPI` header come back as
fields of every event of that message (SendGrid strips the header before delivering).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from email.message import EmailMessage
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


class FakeSendGrid:
    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key = base64.b64encode(der).decode()

    def event(self, message: EmailMessage, event: str, **fields: Any) -> dict[str, Any]:
        """An event about a message the relay took, with the message's unique_args."""
        smtpapi = json.loads(str(message["X-SMTPAPI"]))
        return {
            "email": str(message["To"]),
            "timestamp": int(time.time()),
            "smtp-id": str(message["Message-ID"]),
            "event": event,
            "sg_event_id": secrets.token_urlsafe(16),
            "sg_message_id": secrets.token_urlsafe(16) + ".filterdrecv",
            **smtpapi["unique_args"],
            **fields,
        }

    def signed(self, events: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one Event Webhook post."""
        body = json.dumps(events).encode()
        timestamp = str(int(time.time()))
        signature = self._key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return body, {
            "Content-Type": "application/json",
            SIGNATURE: base64.b64encode(signature).decode(),
            TIMESTAMP: timestamp,
        }
