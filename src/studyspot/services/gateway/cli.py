"""`studyspot gateway …`: the merged OpenAPI document without running any server.

The owner console's API client is generated from this document
(`web/scripts/gen-api.mjs`), and a test compares the committed client schema
with it, so a change of any service's schema breaks the console's build
instead of its users.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import orjson
import typer

# Mounted by studyspot.cli, which every service process imports: the gateway's modules
# are imported when the command runs, not then.

cli = typer.Typer(help="Gateway: the merged API description.", no_args_is_help=True)


def offline_document() -> dict[str, Any]:
    """The document `GET /openapi.json` serves, built from the services' apps in process.

    Services that do not exist in this checkout yet are left out, as the
    running gateway leaves out services that are not running.
    """
    from studyspot.cli import available_services
    from studyspot.services.gateway.config import GatewaySettings, routed_services
    from studyspot.services.gateway.openapi import merge_documents
    from studyspot.services.gateway.routes import RouteTable

    present = set(available_services())
    gw = GatewaySettings()
    table = RouteTable(gw.auth_actions, gw.upload_suffixes)
    docs = []
    for service in routed_services():
        if service not in present:
            continue
        app = importlib.import_module(f"studyspot.services.{service}.app").create_app()
        docs.append((service, app.openapi()))

    def owns(service: str, path: str) -> bool:
        route = table.match(path)
        return route is not None and route.service == service

    return merge_documents(docs, owns)


def document_bytes() -> bytes:
    """The document as `studyspot gateway openapi` prints it (the console hashes these bytes)."""
    body = orjson.dumps(offline_document(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    return body + b"\n"


@cli.command()
def openapi() -> None:
    """Print the merged OpenAPI document (JSON, keys sorted) on standard output."""
    sys.stdout.buffer.write(document_bytes())
