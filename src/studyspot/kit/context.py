"""Per-request context (request id, principal ids) shared by logs and problems."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
tenant_id_var: ContextVar[str] = ContextVar("tenant_id", default="")
user_id_var: ContextVar[str] = ContextVar("user_id", default="")

# Set by the gateway to the client address it resolved (and stripped from client input);
# a service behind the gateway trusts only this for the caller's address.
CLIENT_IP_HEADER = "x-studyspot-client-ip"

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def sane_request_id(value: str | None) -> str:
    """Keep a client's request id when it is safe to log and echo, otherwise make one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex
