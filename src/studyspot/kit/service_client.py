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
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import structlog

from studyspot.kit import deadline
from studyspot.kit.context import request_id_var
from studyspot.kit.db import transaction_open
from studyspot.kit.errors import AppError
from studyspot.kit.service_tokens import ServiceTokens
from studyspot.kit.serving import CALLER_KEEP_ALIVE_SECONDS
from studyspot.kit.settings import Settings


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        """A response header by its name in any case (transports differ in how they keep it)."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


# (method, url, headers, body) -> Reply
Transport = Callable[[str, str, dict[str, str], bytes | None], Awaitable[Reply]]

_overrides: dict[str, Transport] = {}
log = structlog.get_logger("studyspot.service_client")


def use_transport(service: str, transport: Transport | None) -> None:
    """Route calls to `service` through `transport` (tests); None restores HTTP."""
    if transport is None:
        _overrides.pop(service, None)
    else:
        _overrides[service] = transport


class ServiceUnavailable(AppError):
    status, code = 503, "service_unavailable"


class CallInsideTransaction(RuntimeError):
    """A call to another service while a unit of work holds its transaction (a bug)."""


_allowed_because: ContextVar[str | None] = ContextVar("call_in_transaction", default=None)


@contextmanager
def inside_transaction(reason: str) -> Iterator[None]:
    """Allow calls to other services in this block although a transaction is open.

    Only where the callee writes another database than the open transaction (never the
    SQLite file whose lock the caller holds) and its write belongs with the caller's: made
    after the caller's rows were checked and flushed, undone if they are not kept.
    `reason` says which; the block names the exception where it is made.
    """
    token = _allowed_because.set(reason)
    try:
        yield
    finally:
        _allowed_because.reset(token)


# Reads may be sent again; a write only when it never reached the callee (connect failed).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
# A callee that is restarting, shedding load or moving a tenant: worth another try.
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 0.05  # doubled per retry, full jitter, at most BACKOFF_CAP_SECONDS
BACKOFF_CAP_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 2.0


class ServiceClient:
    """Typed clients subclass this and name `service`."""

    service: str = ""

    def __init__(self, settings: Settings, caller: str) -> None:
        self.settings = settings
        self.caller = caller
        # Loaded once, here: in production a service without its SERVICE_PRIVATE_KEY
        # stops at start-up rather than on its first call.
        self._tokens = ServiceTokens(settings, caller)
        self._urls = itertools.cycle(settings.service_urls(self.service) or ["http://127.0.0.1:1"])
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()
        # Shared reads in flight (`call(..., shared=True)`), by path with query and tenant.
        self._in_flight: dict[tuple[str, uuid.UUID | None], asyncio.Future[Reply]] = {}

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            async with self._lock:
                if self._session is None or self._session.closed:
                    # No session-wide timeout: each request waits as long as is left of
                    # the budget of the request it serves (kit.deadline).
                    self._session = aiohttp.ClientSession(
                        # Idle connections are dropped before the callee closes them
                        # (kit/serving.py): a write sent on a connection the callee is
                        # closing fails, and is not sent again.
                        connector=aiohttp.TCPConnector(
                            limit=100, keepalive_timeout=CALLER_KEEP_ALIVE_SECONDS
                        )
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
        shared: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request. `bearer` forwards a user's token; otherwise a service token.

        It may take what is left of the current request's budget (kit.deadline) and no
        more. A read is sent again after a connection failure or a 502/503/504, with
        backoff, while the budget lasts; a write only when its connection failed before
        anything was sent. Out of budget or out of tries: 503 `service_unavailable`.

        `shared`: a GET with a service token that joins the same GET (same path, query
        and tenant) already in flight from this process and gets its answer, instead of
        sending its own. Only for reads whose answer may be as old as one call: under
        200 concurrent desk payments each one read the same library, tenant and student
        for its invoice, 600 reads where a handful answer the same (docs/performance.md).
        Never for a read that must see the caller's own write made just before.

        Never from inside a transaction (`kit.db.transaction_open`): outside production
        that raises `CallInsideTransaction`, in production it is logged.
        """
        if _allowed_because.get() is None and transaction_open():
            self._inside_transaction(method, path)
        if shared:
            if method != "GET" or bearer is not None:
                raise ValueError("only a GET with a service token may be shared")
            return await self._shared(path, params, tenant_id)
        return await self._call(method, path, json, params, bearer, tenant_id, headers)

    def _inside_transaction(self, method: str, path: str) -> None:
        log.error("service_call_in_transaction", service=self.service, method=method, path=path)
        if self.settings.environment != "production":
            raise CallInsideTransaction(
                f"{method} {self.service}{path} called inside an open transaction: "
                "ask other services before the unit of work's first statement"
            )

    async def _shared(
        self, path: str, params: Mapping[str, str] | None, tenant_id: uuid.UUID | None
    ) -> Reply:
        key = (f"{path}?{sorted((params or {}).items())}", tenant_id)
        running = self._in_flight.get(key)
        if running is None:
            # A task of its own: a joiner whose request is cancelled (its client went away)
            # must not cancel the answer the others wait for.
            running = asyncio.ensure_future(self._call("GET", path, None, params, None, tenant_id))
            self._in_flight[key] = running

            def forget(done: asyncio.Future[Reply]) -> None:
                if self._in_flight.get(key) is done:
                    del self._in_flight[key]
                if not done.cancelled():
                    done.exception()  # retrieved here, so never "never retrieved"

            running.add_done_callback(forget)
        return await asyncio.shield(running)

    async def _call(
        self,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, str] | None,
        bearer: str | None,
        tenant_id: uuid.UUID | None,
        extra: Mapping[str, str] | None = None,
    ) -> Reply:
        token = bearer or self._tokens.token(tenant_id)
        headers = {
            **(extra or {}),
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
        return await self._send(method, path, headers, body)

    async def _send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        session = await self._http()
        until = deadline.deadline()
        idempotent = method in IDEMPOTENT
        for attempt in range(1, MAX_ATTEMPTS + 1):
            left = until - time.monotonic()
            if left <= 0:
                break
            # The callee's own calls get what is left, not a fresh budget of their own.
            headers[deadline.BUDGET_HEADER] = str(int(left * 1000))
            timeout = aiohttp.ClientTimeout(total=left, connect=min(left, CONNECT_TIMEOUT_SECONDS))
            try:
                async with session.request(
                    method, next(self._urls) + path, headers=headers, data=body, timeout=timeout
                ) as resp:
                    reply = Reply(resp.status, dict(resp.headers), await resp.read())
            except TimeoutError:
                break  # the whole budget was given to this attempt: nothing is left
            except aiohttp.ClientConnectorError:
                pass  # never sent: safe to send again, whatever the method
            except aiohttp.ClientError:
                if not idempotent:
                    break
            else:
                if not (idempotent and reply.status in RETRY_STATUSES):
                    return reply
                if attempt == MAX_ATTEMPTS:
                    return reply
            pause = random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2**attempt))
            if time.monotonic() + pause >= until:
                break
            await asyncio.sleep(pause)
        raise ServiceUnavailable(
            f"The {self.service} service is unavailable", code="service_unavailable"
        )

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
