"""Base of every service's `client.py`: one pooled aiohttp session per upstream service.

Service-to-service calls carry either the end user's bearer token (the callee
then applies its normal permission checks) or a short-lived service token for
`/internal/*` routes, which the gateway never routes from outside.

Tests swap the transport for an in-process ASGI one (`use_transport`), so the
same client code runs against the real callee application.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from studyspot.kit.context import request_id_var
from studyspot.kit.errors import AppError
from studyspot.kit.service_auth import issue_service_token
from studyspot.kit.settings import Settings


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None


# (method, url, headers, body) -> Reply
Transport = Callable[[str, str, dict[str, str], bytes | None], Awaitable[Reply]]

_overrides: dict[str, Transport] = {}


def use_transport(service: str, transport: Transport | None) -> None:
    """Route calls to `service` through `transport` (tests); None restores HTTP."""
    if transport is None:
        _overrides.pop(service, None)
    else:
        _overrides[service] = transport


class ServiceUnavailable(AppError):
    status, code = 503, "service_unavailable"


class ServiceClient:
    """Typed clients subclass this and name `service`."""

    service: str = ""
    timeout_seconds: float = 5.0

    def __init__(self, settings: Settings, caller: str) -> None:
        self.settings = settings
        self.caller = caller
        self._urls = itertools.cycle(settings.service_urls(self.service) or ["http://127.0.0.1:1"])
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            async with self._lock:
                if self._session is None or self._session.closed:
                    self._session = aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30),
                        timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
                    )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        bearer: str | None = None,
        tenant_id: uuid.UUID | None = None,
    ) -> Reply:
        """Send one request. `bearer` forwards a user's token; otherwise a service token."""
        token = bearer or issue_service_token(self.settings, self.caller, tenant_id)
        headers = {
            "authorization": f"Bearer {token}",
            "x-request-id": request_id_var.get() or uuid.uuid4().hex,
            "accept": "application/json",
        }
        body = None
        if json is not None:
            body = orjson.dumps(json)
            headers["content-type"] = "application/json"
        if params:
            from urllib.parse import urlencode

            path = f"{path}?{urlencode(params)}"
        override = _overrides.get(self.service)
        if override is not None:
            return await override(method, path, headers, body)
        url = next(self._urls) + path
        try:
            session = await self._http()
            async with session.request(method, url, headers=headers, data=body) as resp:
                return Reply(resp.status, dict(resp.headers), await resp.read())
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ServiceUnavailable(
                f"The {self.service} service is unavailable", code="service_unavailable"
            ) from exc

    @staticmethod
    def raise_for_problem(reply: Reply, service: str) -> None:
        """Pass a callee's 4xx problem through; anything 5xx becomes our 503."""
        if reply.status < 400:
            return
        if reply.status >= 500:
            raise ServiceUnavailable(f"The {service} service failed", code="service_unavailable")
        data = reply.json() if reply.body else {}
        if not isinstance(data, dict):
            data = {}
        raise AppError(
            str(data.get("detail") or "Request refused"),
            status=reply.status,
            code=str(data.get("code") or "error"),
            errors=[e for e in data.get("errors", []) if isinstance(e, dict)],
        )
