"""W3C trace context: keep the client's trace id, make the gateway's span the parent upstream."""

from __future__ import annotations

import random
import re

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


def child_traceparent(incoming: str) -> tuple[str, str, bool]:
    """(traceparent to send upstream, trace id, whether the incoming one was kept)."""
    m = _TRACEPARENT.match(incoming.strip().lower()) if incoming else None
    if m and m.group(1) != _ZERO_TRACE and m.group(2) != _ZERO_SPAN:
        trace_id, flags = m.group(1), m.group(3)
        return f"00-{trace_id}-{span_id()}-{flags}", trace_id, True
    trace_id = new_id()
    return f"00-{trace_id}-{span_id()}-01", trace_id, False


# Ids must be unique, not secret: the fast generator saves a system call per request.
def new_id() -> str:
    """128 random bits as 32 hex digits (trace ids and request ids)."""
    return f"{random.getrandbits(128) or 1:032x}"


def span_id() -> str:
    return f"{random.getrandbits(64) or 1:016x}"
