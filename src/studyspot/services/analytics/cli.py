"""`studyspot analytics …`: operator commands of the analytics service."""

from __future__ import annotations

import asyncio
import uuid

import typer

from studyspot.kit.settings import get_settings

COMMAND_NAME = "analytics"
cli = typer.Typer(help="Analytics: the read models fed by events.", no_args_is_help=True)


@cli.command()
def rebuild(
    tenant: str = typer.Option("", help="Only this tenant id (default: every tenant)."),
) -> None:
    """Empty the read models and replay every logged event into them (docs/analytics.md)."""
    from studyspot.kit.logging import configure_logging
    from studyspot.services.analytics.tasks import rebuild_all

    settings = get_settings()
    configure_logging("analytics", settings.log_level, settings.log_json)
    only = uuid.UUID(tenant) if tenant else None
    reports = asyncio.run(rebuild_all(settings, only))
    for tenant_id, report in reports:
        typer.echo(f"{tenant_id}: {report.events} events replayed, {report.bookings} bookings")
    typer.echo(f"rebuilt {len(reports)} tenant(s)")
