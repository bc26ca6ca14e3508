"""`studyspot admin create`: make a platform admin (the first one) or a platform staff member."""

from __future__ import annotations

import asyncio
import uuid

import typer
from pydantic import ValidationError

from studyspot.kit.settings import Settings, get_settings

# Mounted by studyspot.cli, which every service process imports: the service's own
# modules are imported when the command runs, not then.

COMMAND_NAME = "admin"
cli = typer.Typer(help="Platform administrators and staff.", no_args_is_help=True)


async def create_platform_user(
    settings: Settings, *, email: str, name: str, password: str, staff: bool = False
) -> uuid.UUID:
    """Validate and store a platform user; raises ValidationError or AppError (email taken)."""
    from studyspot.kit.db import Database
    from studyspot.services.auth.platform_users import PlatformUserCreate
    from studyspot.services.auth.platform_users import create_platform_user as create_user
    from studyspot.services.auth.transactions import auth_unit_of_work

    data = PlatformUserCreate(email=email, name=name, password=password, staff=staff)
    db = Database.create(settings.core_db_url, pool_size=1, max_overflow=0)
    try:
        async with auth_unit_of_work(db) as session:
            return await create_user(session, settings, data, actor="cli")
    finally:
        await db.dispose()


@cli.command("create")
def create(
    email: str = typer.Option(..., help="Login e-mail of the new user."),
    name: str = typer.Option(..., help="Full name."),
    password: str = typer.Option(
        None, help="Password (8+ characters, at most 72 bytes); asked for when left out."
    ),
    staff: bool = typer.Option(
        False, "--staff", help="Platform staff (read and support) instead of admin."
    ),
) -> None:
    """Create a platform admin (or, with --staff, a platform staff member)."""
    from studyspot.kit.errors import AppError

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user_id = asyncio.run(
            create_platform_user(
                get_settings(), email=email, name=name, password=password, staff=staff
            )
        )
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            typer.echo(f"{field}: {err['msg']}", err=True)
        raise typer.Exit(2) from None
    except AppError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(1) from None
    kind = "platform staff member" if staff else "platform admin"
    typer.echo(f"Created {kind} {email} ({user_id})")
