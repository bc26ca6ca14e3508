"""JSON logs through structlog; one access-log line per request."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from studyspot.kit.context import request_id_var, tenant_id_var, user_id_var

# Keys whose values never reach a log line, whatever a caller passes.
_SECRET_KEYS = {
    "password",
    "token",
    "access_token",
    "refresh_token",
    "authorization",
    "secret",
    "new_password",
    "current_password",
    "key_secret",
    "webhook_secret",
}


def add_context(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The request's id, tenant and user, from the context variables the middleware sets."""
    if rid := request_id_var.get():
        event.setdefault("request_id", rid)
    if tid := tenant_id_var.get():
        event.setdefault("tenant_id", tid)
    if uid := user_id_var.get():
        event.setdefault("user_id", uid)
    return event


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in _SECRET_KEYS:
            event[key] = "[redacted]"
    return event


def line_head() -> list[Any]:
    """The processors every log line starts with: bound context (the service's name),
    level, UTC timestamp, the request's context."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_context,
    ]


_configured = False


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    logging.basicConfig(stream=sys.stdout, level=level.upper(), format="%(message)s")
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            *line_head(),
            _redact,
            # Tracebacks without frame locals: locals hold passwords, bearer tokens and
            # database URLs with credentials, none of which may reach a log line.
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # uvicorn's own access log would duplicate ours.
    logging.getLogger("uvicorn.access").disabled = True
