"""The access log of the gateway and of every service: one line per request, in the
kit's log shape (JSON, or the console's with LOG_JSON=false), batched.

The kit's structlog chain (redaction, tracebacks, stdlib json, a flushed print
per line) costs about 40-50 µs per line, a third of what proxying a request costs
and several per cent of a service's cheapest answers. This logger keeps structlog
and the same fields (timestamp, level, event, service, request_id, tenant_id,
user_id) but only the processors an access line needs, renders with orjson and
writes lines in batches: at most every `flush_seconds`, or when `max_buffer` bytes
are waiting, and at shutdown. Its fields are chosen by its callers (the gateway and
kit.middleware), never taken from a request, so no secret can reach it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import orjson
import structlog

from studyspot.kit.logging import line_head


def _render(_: Any, __: str, event: MutableMapping[str, Any]) -> str:
    return orjson.dumps(event).decode()


class BatchedLines:
    """A structlog logger writing whole lines to `stream` in batches."""

    def __init__(
        self, stream: TextIO | None = None, flush_seconds: float = 0.05, max_buffer: int = 65_536
    ) -> None:
        self._stream = stream
        self._flush_seconds = flush_seconds
        self._max = max_buffer
        self._lines: list[str] = []
        self._size = 0
        self._timer: asyncio.TimerHandle | None = None

    def msg(self, message: str) -> None:
        self._lines.append(message)
        self._size += len(message)
        if self._size >= self._max:
            self.flush()
            return
        if self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
                return
            self._timer = loop.call_later(self._flush_seconds, self.flush)

    info = msg

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._lines:
            return
        stream = self._stream or sys.stdout
        stream.write("\n".join(self._lines) + "\n")
        stream.flush()
        self._lines.clear()
        self._size = 0


class AccessLog:
    def __init__(self, level: str, stream: TextIO | None = None, *, json: bool = True) -> None:
        self.enabled = (
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO) <= logging.INFO
        )
        self._sink = BatchedLines(stream)
        self._log = structlog.wrap_logger(
            self._sink,
            # Its own level: the process's structlog configuration is made once, and a
            # stricter one made first (another app in the process) would drop every line.
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            # LOG_JSON=false (a developer's terminal): the kit's other lines' console shape.
            processors=[*line_head(), _render if json else structlog.dev.ConsoleRenderer()],
        )

    def request(self, **fields: Any) -> None:
        if self.enabled:
            self._log.info("request", **fields)

    def flush(self) -> None:
        self._sink.flush()
