"""One request through the gateway: what came in, what went out, and what the log says.

Each step of the gateway (admission, header rewriting, its own routes, forwarding)
takes the `Exchange` and notes on it what it did; the access log and the metrics
read those notes once the request is over.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

from studyspot.kit.context import sane_request_id
from studyspot.kit.errors import PROBLEM_JSON, problem_body
from studyspot.services.gateway.tracing import new_id

Headers = list[tuple[bytes, bytes]]


class RequestHeaders:
    """The request's raw headers with first-value lookup by lower-case name."""

    __slots__ = ("_first", "items")

    def __init__(self, items: Headers) -> None:
        self.items = items
        self._first: dict[bytes, bytes] = {}
        for key, value in reversed(items):
            self._first[key] = value

    def get(self, name: bytes) -> str:
        value = self._first.get(name)
        return value.decode("latin-1") if value is not None else ""


class Exchange:
    __slots__ = (
        "attempts",
        "client_ip",
        "headers",
        "method",
        "origin",
        "path",
        "receive",
        "request_id",
        "response_headers",
        "route",
        "scope",
        "send",
        "service",
        "source",
        "started",
        "status",
        "trace_id",
        "upstream_name",
        "upstream_url",
    )

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.headers = RequestHeaders(scope["headers"])
        incoming = self.headers.get(b"x-request-id")
        request_id = sane_request_id(incoming) if incoming else new_id()
        self.request_id = request_id
        self.origin = self.headers.get(b"origin")
        # Headers every answer of this request carries (request id, CORS, rate limit).
        self.response_headers: Headers = [(b"x-request-id", request_id.encode())]
        self.client_ip = ""
        # What the access log and metrics say about the request.
        self.route = "unmatched"
        self.service = ""
        # "gateway" for answers the gateway made, "upstream" for a relayed upstream answer.
        self.source = "gateway"
        # A response start went out (set by `secure`'s wrapper): a second one must not.
        self.started = False
        self.status = 500
        self.upstream_url = ""
        self.upstream_name = "-"
        self.trace_id = ""
        self.attempts = 0

    @property
    def peer(self) -> str | None:
        client = self.scope.get("client")
        return str(client[0]) if client else None

    @property
    def scheme(self) -> str:
        return str(self.scope.get("scheme", "http"))

    def secure(self, headers: Headers) -> None:
        """Add `headers` to whatever response of this request starts, and note the start.

        Every response goes through `send`, so none can leave without them, and
        `started` says for certain whether one has begun.
        """
        downstream = self.send

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.started = True
                present = list(message.get("headers", ()))
                # A handler that already set one of them (the console does) keeps one copy.
                message["headers"] = present + [h for h in headers if h not in present]
            await downstream(message)

        self.send = secured

    async def answer(
        self, status: int, body: bytes, content_type: bytes, headers: Headers | None = None
    ) -> None:
        """A whole answer from the gateway itself (`headers`: the request's by default)."""
        self.status = status
        start: Message = {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *(self.response_headers if headers is None else headers),
            ],
        }
        await self.send(start)
        await self.send({"type": "http.response.body", "body": body})

    async def json(self, status: int, data: Any) -> None:
        await self.answer(status, orjson.dumps(data), b"application/json")

    async def problem(
        self, status: int, code: str, detail: str, headers: Headers | None = None
    ) -> None:
        body = orjson.dumps(problem_body(status, code, detail))
        await self.answer(status, body, PROBLEM_JSON.encode(), headers)
