"""`studyspot library …`: operator commands of the library service."""

from __future__ import annotations

import asyncio
import uuid

import typer

from studyspot.kit.settings import get_settings

COMMAND_NAME = "library"
cli = typer.Typer(help="Libraries: seats, shifts and plans.", no_args_is_help=True)


@cli.command("restate-capacity")
def restate_capacity(
    tenant: str = typer.Option("", help="Only this tenant id (default: every tenant)."),
) -> None:
    """Publish every library's seats and shifts as they stand (`library.capacity_changed`),
    for consumers that began after the libraries last changed (docs/analytics.md)."""
    from studyspot.kit.db import Database, TenantDatabases
    from studyspot.kit.logging import configure_logging
    from studyspot.services.library.capacity import restate_all

    settings = get_settings()
    configure_logging("library", settings.log_level, settings.log_json)

    async def run() -> int:
        core = Database.create(settings.core_db_url, pool_size=2, max_overflow=0)
        tenants = TenantDatabases(settings)
        try:
            return await restate_all(core, tenants, uuid.UUID(tenant) if tenant else None)
        finally:
            await tenants.dispose()
            await core.dispose()

    typer.echo(f"restated the capacity of {asyncio.run(run())} librar(ies)")
