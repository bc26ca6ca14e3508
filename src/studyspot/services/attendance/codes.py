"""Signed, short-lived codes: the door's (shown as a QR) and the student's (scanned by staff).

A code is `<kind>.<tenant>.<subject>.<step>.<kid>.<mac>`: kind `d` (door: the subject is
a library) or `s` (student: the subject is the student), the time step (RFC 6238 style:
Unix time // 30 s), the id of the master key and an HMAC-SHA256 (first 128 bits) under a
key derived per tenant from that master key. So a code proves which tenant's server made
it, for what and when; nobody without the key can make one for another step, library or
student. A code is accepted during its own step and the one after (at most one step of
drift: 30 to 60 s), and a step once used by a student is refused after that
(`code_replayed`, enforced by the database, service.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

STEP_SECONDS = 30
# Steps after its own during which a code is still taken (the drift allowed).
DRIFT_STEPS = 1
MAX_CODE_LENGTH = 160

Kind = Literal["d", "s"]


class BadCode(Exception):
    """Not a code this server made for this tenant (forged, altered, another tenant's)."""


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def step_start(step: int) -> datetime:
    return datetime.fromtimestamp(step * STEP_SECONDS, tz=UTC)


def expires_at(step: int) -> datetime:
    """When a code of `step` stops being accepted."""
    return step_start(step + 1 + DRIFT_STEPS)


@dataclass(frozen=True)
class Code:
    kind: Kind
    tenant_id: uuid.UUID
    subject_id: uuid.UUID
    step: int


class Signer:
    def __init__(self, current_kid: str, keys: dict[str, bytes]) -> None:
        self.kid = current_kid
        self.keys = keys

    def _mac(self, kid: str, kind: str, tenant: uuid.UUID, subject: uuid.UUID, step: int) -> str:
        tenant_key = hmac.new(
            self.keys[kid], b"studyspot-attendance-codes:" + tenant.bytes, hashlib.sha256
        ).digest()
        message = f"{kind}|{tenant.hex}|{subject.hex}|{step}".encode()
        digest = hmac.new(tenant_key, message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, kind: Kind, tenant_id: uuid.UUID, subject_id: uuid.UUID, step: int) -> str:
        mac = self._mac(self.kid, kind, tenant_id, subject_id, step)
        return f"{kind}.{tenant_id.hex}.{subject_id.hex}.{step}.{self.kid}.{mac}"

    def verify(self, text: str, kind: Kind, tenant_id: uuid.UUID) -> Code:
        """The code's content, if it is a genuine `kind` code of `tenant_id`; BadCode if not.

        Another tenant's genuine code is refused exactly like a forged one, so a caller
        learns nothing about which tenants, libraries or students exist.
        """
        parts = text.split(".")
        if len(parts) != 6 or parts[0] != kind or parts[4] not in self.keys:
            raise BadCode()
        try:
            tenant, subject = uuid.UUID(hex=parts[1]), uuid.UUID(hex=parts[2])
            step = int(parts[3])
        except ValueError as exc:
            raise BadCode() from exc
        expected = self._mac(parts[4], kind, tenant, subject, step)
        if not hmac.compare_digest(expected, parts[5]) or tenant != tenant_id:
            raise BadCode()
        return Code(kind, tenant, subject, step)


def freshness(code_step: int, now: datetime) -> Literal["fresh", "expired", "future"]:
    current = step_of(now)
    if code_step < current - DRIFT_STEPS:
        return "expired"
    if code_step > current + DRIFT_STEPS:
        return "future"
    return "fresh"
