"""Forwarding one request to an instance of a service: headers, streaming, retries, breaker.

Request bodies of up to `BUFFER_LIMIT` bytes (declared by Content-Length) are
read whole, so they can be sent again; larger or chunked bodies are streamed
to the upstream as they arrive, counting bytes against the route's limit.
Responses of up to `BUFFER_LIMIT` bytes are sent in one piece, larger or
unsized ones are streamed chunk by chunk. Nothing bigger is ever held whole.

Retries (exponential backoff, full jitter, another instance when there is one):
- a failed connection (the request never left) is retried for any method,
  as long as the body can still be sent;
- a connection broken after sending only for GET/HEAD/OPTIONS and for
  requests with an `Idempotency-Key`;
- a timeout never: the instance is slow, not gone, and a retry would add load
  to it while the client waits twice as long. It is answered with 504.

Event streams (`text/event-stream`, docs/realtime.md): the paths of `EVENT_STREAM_PATHS`
are asked through the instance's stream pool, without the upstream read timeout (a stream
is quiet between heartbeats) and apart from the connections requests use, and
their answer is relayed as each piece arrives, never buffered or compressed; the client
going away (or the gateway being asked to stop) closes the upstream stream at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
import structlog
from starlette.types import Message, Receive, Send
from yarl import URL

from studyspot.kit.serving import on_exit_requested
from studyspot.services.gateway.config import GatewaySettings
from studyspot.services.gateway.routes import EVENT_STREAM_PATHS
from studyspot.services.gateway.upstreams import Instance, ServicePool

log = structlog.get_logger("studyspot.gateway.proxy")

BUFFER_LIMIT = 64 * 1024
DRAIN_LIMIT = 1024 * 1024
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})

# Hop-by-hop, framing the gateway redoes, and headers only the gateway may set.
# Content-Length too: the body is re-framed by aiohttp from what was really read
# (a length for a buffered body, chunked for a streamed one), so a client's
# declared length can never disagree with the bytes the upstream receives.
REQUEST_DROP = frozenset(
    {
        b"connection",
        b"content-length",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"expect",
        b"x-request-id",
        b"traceparent",
        b"tracestate",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
        b"x-real-ip",
    }
)
# A client must never be able to assert who it is or which tenant it acts for.
IDENTITY_PREFIXES = (b"x-tenant", b"x-user", b"x-internal", b"x-service", b"x-principal", b"x-auth")
RESPONSE_DROP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"date",
        b"server",
        b"x-request-id",
        # The gateway sets these on every response itself (security.py).
        b"x-content-type-options",
        b"x-frame-options",
        b"strict-transport-security",
    }
)

Failure = Literal["connect", "timeout", "broken"]


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


class RequestBody:
    """The client's body as the ASGI server delivers it, counted against `limit`."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self.limit = limit
        self.received = 0
        self.started = False
        self.too_large = False

    async def _next(self) -> tuple[bytes, bool]:
        message = await self._receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        self.received += len(chunk)
        if self.received > self.limit:
            self.too_large = True
            raise BodyTooLarge
        return chunk, bool(message.get("more_body", False))

    async def discard_rest(self, max_bytes: int = DRAIN_LIMIT, seconds: float = 2.0) -> None:
        """Read and drop what the client is still sending, so the refusal can reach it.

        Closing a socket with unread data makes the kernel reset the connection,
        and the client would lose the 413 it is about to read. Past `max_bytes`
        the connection is closed anyway.
        """
        drained = 0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while drained <= max_bytes:
                    message = await self._receive()
                    if message["type"] == "http.disconnect":
                        return
                    drained += len(message.get("body", b""))
                    if not message.get("more_body", False):
                        return

    async def read_all(self) -> bytes:
        self.started = True
        parts: list[bytes] = []
        more = True
        while more:
            chunk, more = await self._next()
            parts.append(chunk)
        return b"".join(parts)

    async def stream(self) -> AsyncIterator[bytes]:
        self.started = True
        more = True
        while more:
            chunk, more = await self._next()
            if chunk:
                yield chunk


@dataclass
class Outcome:
    status: int
    instance: Instance | None = None
    attempts: int = 0
    failure: Failure | None = None
    retry_after: float = 0.0
    detail: str = ""
    # The upstream's own answer went to the client, whatever its status (a 503 included):
    # nothing is left for the gateway to send.
    relayed: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _classify(exc: BaseException) -> Failure:
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return "connect"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "timeout"
    return "broken"


def _backoff(settings: GatewaySettings, attempt: int) -> float:
    cap = min(settings.retry_max_seconds, settings.retry_base_seconds * (2**attempt))
    return random.uniform(0, cap)


class Forwarder:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings

    async def forward(
        self,
        *,
        pool: ServicePool,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: RequestBody | None,
        declared_length: int | None,
        idempotency_key: bool,
        send: Send,
        response_headers: list[tuple[bytes, bytes]],
        receive: Receive | None = None,
    ) -> Outcome:
        """Send the request upstream and the answer back; an error Outcome if none was sent.

        `receive` (the client's) lets an event stream notice the client going away."""
        may_retry = method in IDEMPOTENT or idempotency_key
        streaming = target.split("?", 1)[0] in EVENT_STREAM_PATHS
        payload: bytes | None = None
        if body is not None and declared_length is not None and declared_length <= BUFFER_LIMIT:
            payload = await body.read_all()
        tried: set[Instance] = set()
        outcome = Outcome(status=503)
        for attempt in range(self.settings.max_retries + 1):
            inst = pool.choose(exclude=tried) or (pool.choose() if tried else None)
            if inst is None:
                if attempt == 0:
                    return Outcome(
                        status=503,
                        attempts=0,
                        retry_after=pool.retry_after(),
                        detail=f"The {pool.service} service is unavailable",
                    )
                break
            if attempt:
                await asyncio.sleep(_backoff(self.settings, attempt - 1))
            tried.add(inst)
            outcome.attempts = attempt + 1
            outcome.instance = inst
            data: bytes | AsyncIterator[bytes] | None = payload
            if payload is None and body is not None:
                data = body.stream()
            try:
                session = inst.stream_session if streaming else inst.session
                resp = await session.request(
                    method,
                    URL(inst.url + target, encoded=True),
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                )
            except asyncio.CancelledError:
                inst.breaker.release()
                raise
            except Exception as exc:
                if body is not None and body.too_large:
                    inst.breaker.release()
                    return Outcome(status=413, instance=inst, attempts=attempt + 1)
                if isinstance(exc, ClientGone) or (
                    isinstance(exc.__cause__, ClientGone) or isinstance(exc.__context__, ClientGone)
                ):
                    inst.breaker.release()
                    return Outcome(status=499, instance=inst, attempts=attempt + 1)
                failure = _classify(exc)
                inst.breaker.record_failure()
                outcome.failure = failure
                log.info(
                    "upstream_attempt_failed",
                    service=pool.service,
                    upstream=inst.url,
                    failure=failure,
                    error=type(exc).__name__,
                    attempt=attempt + 1,
                )
                replayable = body is None or payload is not None or not body.started
                if failure == "timeout" or not replayable:
                    break
                if failure == "broken" and not may_retry:
                    break
                continue
            inst.breaker.record_success()
            relay = _Relay(send, receive if streaming and body is None else None)
            try:
                outcome.status = await relay.run(resp, response_headers)
                outcome.failure = None
                outcome.relayed = True
                return outcome
            except (aiohttp.ClientError, TimeoutError) as exc:
                if relay.started:
                    # Headers are out: all that is left is to cut the connection short.
                    log.warning("upstream_body_interrupted", error=type(exc).__name__)
                    raise
                outcome.failure = _classify(exc)
                break
            finally:
                resp.release()
        if outcome.failure == "timeout":
            outcome.status = 504
            outcome.detail = f"The {pool.service} service did not answer in time"
        elif outcome.failure == "broken":
            outcome.status = 502
            outcome.detail = f"The {pool.service} service closed the connection"
        else:
            outcome.status = 503
            outcome.detail = f"The {pool.service} service is unavailable"
            outcome.retry_after = pool.retry_after()
        return outcome


class _Relay:
    """Sends the upstream's answer to the client; knows whether the headers went out."""

    def __init__(self, send: Send, receive: Receive | None = None) -> None:
        self._send = send
        self._receive = receive
        self.started = False

    async def run(self, resp: aiohttp.ClientResponse, extra: list[tuple[bytes, bytes]]) -> int:
        headers = [(k.lower(), v) for k, v in resp.raw_headers if k.lower() not in RESPONSE_DROP]
        headers.extend(extra)
        length = resp.content_length
        start = {"type": "http.response.start", "status": resp.status, "headers": headers}
        if length is not None and length <= BUFFER_LIMIT:
            body = await resp.read()
            self.started = True
            await self._send(start)
            await self._send({"type": "http.response.body", "body": body})
            return resp.status
        self.started = True
        await self._send(start)
        if self._receive is not None and resp.content_type == "text/event-stream":
            await self._events(resp, self._receive)
            return resp.status
        async for chunk in resp.content.iter_chunked(BUFFER_LIMIT):
            await self._send({"type": "http.response.body", "body": chunk, "more_body": True})
        await self._send({"type": "http.response.body", "body": b""})
        return resp.status

    async def _events(self, resp: aiohttp.ClientResponse, receive: Receive) -> None:
        """Relay an event stream piece by piece until it ends, the client goes away or the
        gateway is asked to stop; in the last two cases the upstream connection is closed."""

        async def pump() -> None:
            while chunk := await resp.content.readany():
                await self._send({"type": "http.response.body", "body": chunk, "more_body": True})
            await self._send({"type": "http.response.body", "body": b""})

        async def gone() -> None:
            message: Message = {"type": ""}
            while message["type"] != "http.disconnect":
                message = await receive()

        stopping = asyncio.Event()
        unregister = on_exit_requested(stopping.set)
        tasks = [
            asyncio.create_task(pump()),
            asyncio.create_task(gone()),
            asyncio.create_task(stopping.wait()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if tasks[0] in done:
                tasks[0].result()  # an upstream failure is raised as for any body
            else:
                resp.close()
                if tasks[2] in done:  # stopping: end the client's response properly
                    await self._send({"type": "http.response.body", "body": b""})
        finally:
            unregister()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
