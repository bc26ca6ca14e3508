"""`studyspot subscription …`: operator commands of the subscription service."""

from __future__ import annotations

import asyncio

import typer

from studyspot.kit.settings import get_settings

COMMAND_NAME = "subscription"
cli = typer.Typer(help="Subscriptions: the tenants' plans and billing.", no_args_is_help=True)


@cli.command()
def restate() -> None:
    """Publish every subscription as it stands (`subscription.restated`), for consumers
    that began after it last changed (docs/analytics.md)."""
    from studyspot.kit.db import Database
    from studyspot.kit.logging import configure_logging
    from studyspot.services.subscription.service import restate_all

    settings = get_settings()
    configure_logging("subscription", settings.log_level, settings.log_json)

    async def run() -> int:
        core = Database.create(settings.core_db_url, pool_size=2, max_overflow=0)
        try:
            return await restate_all(core)
        finally:
            await core.dispose()

    typer.echo(f"restated {asyncio.run(run())} subscription(s)")
