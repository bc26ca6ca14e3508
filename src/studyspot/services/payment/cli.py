"""`studyspot payments …`: operator commands of the payment service."""

from __future__ import annotations

import asyncio

import typer

from studyspot.kit.settings import get_settings

COMMAND_NAME = "payments"
cli = typer.Typer(help="Payments: reconciliation with the providers.", no_args_is_help=True)


@cli.command()
def reconcile(
    older_than_minutes: int = typer.Option(
        None,
        min=0,
        help="Only payments open at least this long (default PAYMENT_RECONCILE_AFTER_MINUTES).",
    ),
) -> None:
    """Ask Razorpay and Cashfree about every payment and refund still open, and settle them."""
    from studyspot.kit.logging import configure_logging
    from studyspot.services.payment.tasks import reconcile_once

    settings = get_settings()
    configure_logging("payment", settings.log_level, settings.log_json)
    report = asyncio.run(reconcile_once(settings, older_than_minutes=older_than_minutes))
    typer.echo(
        f"checked {report.checked}: captured {report.captured}, failed {report.failed}, "
        f"still open {len(report.still_open)}; refunds processed {report.refunds_processed}, "
        f"failed {report.refunds_failed}; errors {report.errors}"
    )
    if report.errors:
        raise typer.Exit(1)
