"""One OpenAPI document for the whole API, merged from the running services' documents.

Only the paths the gateway really routes to a service are taken from it (no
`/internal/*`, no per-service health or metrics). Component names that two
services define differently are prefixed with the service's name, and every
`$ref` of that service is rewritten to match.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import structlog

from studyspot.services.gateway.health import gateway_paths, gateway_schemas
from studyspot.services.gateway.routes import RouteTable
from studyspot.services.gateway.upstreams import ServicePool

log = structlog.get_logger("studyspot.gateway.openapi")
# A service builds its document on the first request for it (a quarter to half a second of
# CPU, many times that on a loaded machine: 3 s once left library out of the merged
# document). Documents are rarely asked for and cached, so waiting is cheaper than building
# every document at every process start.
FETCH_TIMEOUT_SECONDS = 15.0
Doc = dict[str, Any]


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def merge_documents(
    docs: Sequence[tuple[str, Doc]],
    owns: Callable[[str, str], bool],
    *,
    unavailable: Sequence[str] = (),
) -> Doc:
    """Merge `(service, document)` pairs; `owns(service, path)` filters the paths."""
    merged: Doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "StudySpot API",
            "version": "0.1.0",
            "description": "Every StudySpot service behind the gateway.",
        },
        "paths": {},
        "components": {"schemas": gateway_schemas()},
        "tags": [],
    }
    merged["paths"].update(gateway_paths())
    seen_ops: set[str] = set()
    seen_tags: set[str] = set()
    for service, raw in sorted(docs, key=lambda d: d[0]):
        doc = copy.deepcopy(raw)
        renames: dict[str, str] = {}
        components = doc.get("components") or {}
        for section, entries in components.items():
            target = merged["components"].setdefault(section, {})
            for name, value in (entries or {}).items():
                if name not in target:
                    continue
                if target[name] != value:
                    new = f"{service.capitalize()}{name}"
                    renames[f"#/components/{section}/{name}"] = f"#/components/{section}/{new}"
        doc = _rewrite_refs(doc, renames)
        for section, entries in (doc.get("components") or {}).items():
            target = merged["components"].setdefault(section, {})
            for name, value in (entries or {}).items():
                new_ref = renames.get(f"#/components/{section}/{name}")
                target[new_ref.rsplit("/", 1)[-1] if new_ref else name] = value
        for path, item in (doc.get("paths") or {}).items():
            if not owns(service, path):
                continue
            for op in item.values():
                if isinstance(op, dict) and "operationId" in op:
                    if op["operationId"] in seen_ops:
                        op["operationId"] = f"{service}_{op['operationId']}"
                    seen_ops.add(op["operationId"])
            merged["paths"][path] = item
        for tag in doc.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") not in seen_tags:
                seen_tags.add(str(tag.get("name")))
                merged["tags"].append(tag)
    if unavailable:
        merged["info"]["description"] += (
            " Not running when this document was made: " + ", ".join(sorted(unavailable)) + "."
        )
    if not merged["tags"]:
        del merged["tags"]
    return merged


class OpenApiMerger:
    def __init__(
        self, pools: dict[str, ServicePool], table: RouteTable, cache_seconds: float
    ) -> None:
        self._pools = pools
        self._table = table
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, Doc] | None = None
        self._lock = asyncio.Lock()

    def _owns(self, service: str, path: str) -> bool:
        route = self._table.match(path)
        return route is not None and route.service == service

    async def _fetch(self, pool: ServicePool) -> Doc | None:
        for inst in pool.instances:
            if not inst.breaker.available():
                continue
            try:
                async with asyncio.timeout(FETCH_TIMEOUT_SECONDS):
                    async with inst.session.get(inst.url + "/openapi.json") as resp:
                        if resp.status == 200:
                            data = await resp.json(content_type=None)
                            if isinstance(data, dict):
                                return data
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.info("openapi_fetch_failed", service=pool.service, error=type(exc).__name__)
        return None

    async def document(self) -> Doc:
        cached = self._cached
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        async with self._lock:
            cached = self._cached
            if cached is not None and time.monotonic() < cached[0]:
                return cached[1]
            pools = [p for p in self._pools.values() if p.instances]
            fetched = await asyncio.gather(*(self._fetch(p) for p in pools))
            docs = [(p.service, d) for p, d in zip(pools, fetched, strict=True) if d is not None]
            missing = [p.service for p, d in zip(pools, fetched, strict=True) if d is None]
            merged = merge_documents(docs, self._owns, unavailable=missing)
            # A document missing a service is rebuilt soon, a complete one less often.
            ttl = self._cache_seconds if not missing else min(self._cache_seconds, 5.0)
            self._cached = (time.monotonic() + ttl, merged)
            return merged
