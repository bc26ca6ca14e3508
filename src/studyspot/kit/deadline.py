"""The request's time budget, carried from service to service.

A request has one budget, not one per hop: the gateway gives up on an upstream
after its upstream timeout (30 s by default), so a service's call to another
service may wait as long as is left of that, and no longer. A fixed short
timeout per call failed requests that had plenty of time left: under 200
concurrent payments on SQLite an internal read took 6.6 s and the payment
answered 503 after 5 s, though the gateway would have waited 30.

The gateway sends its upstream timeout in `X-Request-Budget-Ms` (and drops a
client's); each service starts the clock when a request arrives
(`RequestContextMiddleware`) from that header (milliseconds left, so that no two
clocks need to agree), and `ServiceClient` sends what is left on every call it
makes.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

BUDGET_HEADER = "x-request-budget-ms"
# Without a caller's figure (the worker, a direct call): below the gateway's default
# upstream timeout (30 s), so that a service answers its own 503 before a gateway would
# give up on it.
DEFAULT_BUDGET_SECONDS = 25.0
# A caller's figure is believed up to the longest upstream timeout a gateway may have.
MAX_BUDGET_SECONDS = 600.0

_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)


def budget_from_header(value: str | None) -> float:
    """Seconds granted by a caller's header (the gateway's upstream timeout, or what is left
    of it after a service's call), at most `MAX_BUDGET_SECONDS`; the default without one."""
    if value and value.isascii() and value.isdigit() and len(value) <= 9:
        return min(int(value) / 1000, MAX_BUDGET_SECONDS)
    return DEFAULT_BUDGET_SECONDS


def start(budget_seconds: float) -> Token[float | None]:
    """Start this request's clock; returns the token for `reset`."""
    return _deadline.set(time.monotonic() + budget_seconds)


def reset(token: Token[float | None]) -> None:
    _deadline.reset(token)


def deadline() -> float:
    """The monotonic time by which the current request must be answered (a fresh budget
    outside any request: background jobs and the worker)."""
    found = _deadline.get()
    return found if found is not None else time.monotonic() + DEFAULT_BUDGET_SECONDS
