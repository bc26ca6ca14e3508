"""Reading Server-Sent Events: from an in-process ASGI app, and over HTTP (httpx)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI


@dataclass
class SseEvent:
    name: str
    data: Any
    id: str | None


class SseParser:
    def __init__(self) -> None:
        self._buffer = ""
        self.comments: list[str] = []

    def feed(self, text: str) -> list[SseEvent]:
        self._buffer += text
        found: list[SseEvent] = []
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            name, data, ident = "message", [], None
            for line in block.split("\n"):
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line.startswith("id: "):
                    ident = line[4:]
            if data:
                found.append(SseEvent(name, json.loads("\n".join(data)), ident))
        return found


class AppStream:
    """A GET to an in-process app whose body is read as it comes, and a client that can
    go away (httpx's ASGITransport would wait for the whole body)."""

    def __init__(self, app: FastAPI, path: str, headers: dict[str, str], **query: str) -> None:
        self.app = app
        self.path = path
        self.query = urlencode(query).encode()
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.body = b""
        self.done = False
        self.parser = SseParser()
        self._events: asyncio.Queue[SseEvent | None] = asyncio.Queue()
        self._started = asyncio.Event()
        self._gone = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> AppStream:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": self.query,
            "root_path": "",
            "headers": [(b"host", b"community.test"), *self.headers],
            "client": ("127.0.0.1", 5000),
            "server": ("community.test", 80),
            "state": {},
        }
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.response_headers = {
                    k.decode().lower(): v.decode() for k, v in message["headers"]
                }
                self._started.set()
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                self.body += chunk
                if self.status == 200:
                    for event in self.parser.feed(chunk.decode()):
                        self._events.put_nowait(event)
                if not message.get("more_body", False):
                    self.done = True
                    self._events.put_nowait(None)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            finally:
                self.done = True
                self._events.put_nowait(None)

        self._task = asyncio.create_task(run())
        # Generous: the suite shares two cores with other work.
        await asyncio.wait_for(self._started.wait(), 30)
        if self.status != 200:
            await asyncio.wait_for(self._task, 30)
        return self

    def problem(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found

    async def next(self, wait: float = 5.0) -> SseEvent | None:
        """The next event, or None when the stream ended."""
        return await asyncio.wait_for(self._events.get(), wait)

    async def take(self, n: int, wait: float = 5.0) -> list[SseEvent]:
        got: list[SseEvent] = []
        while len(got) < n:
            event = await self.next(wait)
            assert event is not None, f"the stream ended after {got}"
            got.append(event)
        return got

    async def quiet(self, seconds: float) -> list[SseEvent]:
        """Whatever arrives within `seconds` (expected: nothing)."""
        got: list[SseEvent] = []
        with contextlib.suppress(TimeoutError):
            while True:
                event = await self.next(seconds)
                if event is None:
                    break
                got.append(event)
        return got

    async def close(self) -> None:
        self._gone.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)


class HttpStream:
    """An SSE stream over real HTTP (through the gateway), read in the background."""

    def __init__(self, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        self.client = client
        self.url = url
        self.headers = headers
        self.parser = SseParser()
        self.events: asyncio.Queue[SseEvent | None] = asyncio.Queue()
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> HttpStream:
        async def run() -> None:
            try:
                async with self.client.stream(
                    "GET", self.url, headers=self.headers, timeout=httpx.Timeout(10, read=None)
                ) as resp:
                    self.status = resp.status_code
                    self.response_headers = dict(resp.headers)
                    self._ready.set()
                    async for text in resp.aiter_text():
                        for event in self.parser.feed(text):
                            self.events.put_nowait(event)
            finally:
                self._ready.set()
                self.events.put_nowait(None)

        self._task = asyncio.create_task(run())
        await asyncio.wait_for(self._ready.wait(), 10)
        return self

    async def next(self, wait: float = 5.0) -> SseEvent | None:
        return await asyncio.wait_for(self.events.get(), wait)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
