"""Fixtures of the booking tests: the whole system as processes, for the gateway race proof."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.fixtures.databases import DbSet
from tests.fixtures.system import System, system  # noqa: F401  (fixtures)

# Eight processes with a core and a tenant pool each would open more PostgreSQL
# connections under a 50-request storm than the test server allows (100,
# shared with other test runs): small pools, as a deployment sizes them to
# its server.
SMALL_POOLS = {"DB_POOL_SIZE": "3", "DB_MAX_OVERFLOW": "2"}


@pytest.fixture(scope="module")
async def system_processes(dbs: DbSet) -> AsyncIterator[System]:
    """Like tests.fixtures.system's, with small connection pools in every process."""
    saved = {k: os.environ.get(k) for k in SMALL_POOLS}
    os.environ.update(SMALL_POOLS)
    try:
        # The processes' environment is copied here; nothing else reads it meanwhile.
        started = System(dbs)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    await started.start_all()
    try:
        yield started
    finally:
        await started.close()
