"""Fixtures of the payment tests: local providers and bookings (tests/fixtures/payments.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Apps
from tests.fixtures.payments import Fakes, Tenant, fakes, make_tenant

__all__ = ["fakes"]


@pytest.fixture
async def tenant(apps: Apps, fakes: Fakes) -> Tenant:
    return await make_tenant(apps)
