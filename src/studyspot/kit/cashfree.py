"""Cashfree Payment Gateway's documented HTTP API, as both merchants of the platform use it.

The payment service takes students' payments on a tenant's own Cashfree account; the
subscription service sells message credits on StudySpot's. Both speak the same API
(`x-api-version`, `x-client-id`, `x-client-secret` on every call, `x-idempotency-key`
where a retry must not make a second order), count in rupees where we count in paise, and
verify webhooks the same way: `x-webhook-signature` = Base64(HMAC-SHA256(
`x-webhook-timestamp` + raw body, client secret)), the timestamp in milliseconds and
refused outside a tolerance. That shared part lives here; what each service does with an
order or an event stays in the service.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import aiohttp
import orjson


class CashfreeFailed(Exception):
    """Cashfree refused the request or could not be reached. The message names the status
    and Cashfree's error code only, never its answer (which may echo what we sent)."""


@dataclass(frozen=True)
class Account:
    """Where and as whom to call; lives only for one call."""

    base_url: str
    api_version: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Account(base_url={self.base_url!r}, client_id={self.client_id!r}, secret=***)"


def to_rupees(paise: int) -> float:
    return float(Decimal(paise) / 100)


def to_paise(amount: Any) -> int | None:
    try:
        value = Decimal(str(amount)) * 100
    except (InvalidOperation, ValueError):
        return None
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def signature(secret: str, timestamp: str, raw_body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_problem(
    secret: str | None,
    headers: Mapping[str, str],
    raw_body: bytes,
    now: float,
    tolerance_seconds: float,
) -> str | None:
    """Why a webhook is not Cashfree's (None: it is). `headers` with lower-case names."""
    given = headers.get("x-webhook-signature", "")
    timestamp = headers.get("x-webhook-timestamp", "")
    if not secret or not given or not timestamp.isdigit():
        return "missing signature, timestamp or secret"
    if not hmac.compare_digest(signature(secret, timestamp, raw_body), given):
        return "webhook signature"
    # Cashfree's timestamp is in milliseconds; a replay outside the window is refused.
    if abs(now - int(timestamp) / 1000) > tolerance_seconds:
        return "stale webhook timestamp"
    return None


class CashfreeApi:
    """One pooled aiohttp session for every account this process calls."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            async with self._lock:
                if self._session is None or self._session.closed:
                    self._session = aiohttp.ClientSession(
                        timeout=aiohttp.ClientTimeout(total=self.timeout_seconds)
                    )
        return self._session

    async def request(
        self,
        account: Account,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {
            "x-client-id": account.client_id,
            "x-client-secret": account.client_secret,
            "x-api-version": account.api_version,
            "accept": "application/json",
        }
        if idempotency_key:
            headers["x-idempotency-key"] = idempotency_key
        data = None
        if body is not None:
            data = orjson.dumps(body)
            headers["content-type"] = "application/json"
        url = account.base_url.rstrip("/") + path
        try:
            session = await self._http()
            async with session.request(method, url, headers=headers, data=data) as resp:
                raw = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise CashfreeFailed("Cashfree is unreachable") from exc
        if status >= 400:
            code = ""
            with contextlib.suppress(orjson.JSONDecodeError, AttributeError):
                code = str(orjson.loads(raw).get("code", ""))[:64]
            raise CashfreeFailed(f"Cashfree refused the request ({status} {code})".strip())
        return orjson.loads(raw) if raw else None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
