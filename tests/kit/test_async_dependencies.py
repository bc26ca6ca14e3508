"""Every route's endpoint and every dependency it solves is a coroutine.

FastAPI runs a plain `def` dependency or endpoint in the thread pool: a hand-off to a
worker thread and back on every request, for functions that only read `app.state`. On
the request path of issue 16 that was a measurable share of a request's CPU, and one
new `def` would bring it back unnoticed.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from studyspot.cli import available_services
from tests.conftest import Apps


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router, kept as such
            yield from _routes(route.original_router.routes)


def _is_async(call: Any) -> bool:
    return (
        inspect.iscoroutinefunction(call)
        or inspect.isasyncgenfunction(call)
        # An instance whose __call__ is a coroutine (fastapi.security's HTTPBearer).
        or (not inspect.isfunction(call) and inspect.iscoroutinefunction(type(call).__call__))
    )


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        if sub.call is not None and not _is_async(sub.call):
            yield getattr(sub.call, "__qualname__", type(sub.call).__name__)
        yield from _sync_calls(sub)


async def test_no_route_hands_a_request_to_the_thread_pool(apps: Apps) -> None:
    found: set[str] = set()
    routes = 0
    for service in available_services():
        if service == "gateway":
            continue
        for route in _routes(apps.app(service).routes):
            routes += 1
            if not _is_async(route.endpoint):
                found.add(f"{service} {route.path}: {route.endpoint.__qualname__}")
            found.update(f"{service} {route.path}: {name}" for name in _sync_calls(route.dependant))
    assert routes > 200  # every service's routes were walked, not only the kit's
    assert sorted(found) == []
