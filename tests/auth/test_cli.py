"""`studyspot admin create` makes platform users who can then log in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from studyspot.cli import app as studyspot
from studyspot.kit.settings import get_settings
from studyspot.services.auth.models import PlatformAdmin, PlatformStaff
from tests.auth.helpers import count
from tests.conftest import Apps
from tests.fixtures.users import login, random_email


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    # The command reads its settings from the environment, through a cached get_settings().
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def run(apps: Apps, *args: str, stdin: str | None = None) -> Result:
    """The command as a terminal runs it (in a thread: it starts its own event loop)."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, studyspot, ["admin", "create", *args], input=stdin, env=apps.dbs.env()
    )


async def test_admin_create_makes_a_platform_admin_who_can_log_in(
    apps: Apps, fresh_settings: None
) -> None:
    email = random_email("Root")

    result = await run(apps, "--email", email, "--name", "Root Admin", "--password", "s3cret-pass")

    assert result.exit_code == 0, result.output
    assert "Created platform admin" in result.output
    assert "s3cret-pass" not in result.output
    admin = await login(apps, email=email, password="s3cret-pass", user_type="platform_admin")
    me = await apps.client("auth").get("/api/v1/auth/me", headers=admin.headers)
    assert me.json()["user_type"] == "platform_admin"
    assert me.json()["email"] == email.lower()


async def test_admin_create_asks_for_the_password_and_makes_staff(
    apps: Apps, fresh_settings: None
) -> None:
    email = random_email("support")

    result = await run(
        apps, "--email", email, "--name", "Sam Support", "--staff", stdin="typed-pass\ntyped-pass\n"
    )

    assert result.exit_code == 0, result.output
    staff = await login(apps, email=email, password="typed-pass", user_type="platform_staff")
    me = await apps.client("auth").get("/api/v1/auth/me", headers=staff.headers)
    assert me.json()["permissions"] == sorted(me.json()["permissions"])
    assert "tenants:read" in me.json()["permissions"]
    assert await count(apps, PlatformAdmin) == 0


async def test_admin_create_refuses_bad_input_and_a_taken_email(
    apps: Apps, fresh_settings: None
) -> None:
    email = random_email("root")
    weak = await run(apps, "--email", email, "--name", "Root", "--password", "short")
    long = await run(apps, "--email", email, "--name", "Root", "--password", "ü" * 37)
    bad_email = await run(apps, "--email", "root@", "--name", "Root", "--password", "long-enough")

    for refused in (weak, long, bad_email):
        assert refused.exit_code == 2, refused.output
    assert "password" in weak.output and "72 bytes" in long.output and "email" in bad_email.output

    assert (
        await run(apps, "--email", email, "--name", "Root", "--password", "long-enough")
    ).exit_code == 0
    # One e-mail is one platform user, admin or staff.
    taken = await run(
        apps, "--email", email.upper(), "--name", "Root", "--password", "long-enough", "--staff"
    )
    assert taken.exit_code == 1
    assert "already exists" in taken.output
    assert await count(apps, PlatformAdmin) == 1
    assert await count(apps, PlatformStaff) == 0
