"""Who calls the tenant service in these tests: real users logged in through the auth service."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Apps
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner


@pytest.fixture
def tenant_api(apps: Apps) -> httpx.AsyncClient:
    return apps.client("tenant")


@pytest.fixture
async def admin(apps: Apps) -> LoggedIn:
    return await create_platform_user(apps)


@pytest.fixture
async def staff(apps: Apps) -> LoggedIn:
    return await create_platform_user(apps, staff=True)


@pytest.fixture
async def owner(apps: Apps) -> LoggedIn:
    return await register_owner(apps, business_name="Lakshya Library")


@pytest.fixture
async def other_owner(apps: Apps) -> LoggedIn:
    return await register_owner(apps, business_name="Gyan Deep Study Point")
