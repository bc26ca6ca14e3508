"""Background jobs run once per period across all instances (issue 16): two processes
offering the same job every period, against one PostgreSQL core database, run it once
a period between them; on SQLite (one process per service) every offer runs."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from studyspot.kit import periodic
from studyspot.kit.db import Database
from tests.fixtures.databases import DbSet

INTERVAL = 0.4


@pytest.fixture
async def cores(clean_dbs: DbSet) -> AsyncIterator[tuple[Database, Database]]:
    # Two engines of their own, as two instances of a service have.
    made = (Database.create(clean_dbs.core_url), Database.create(clean_dbs.core_url))
    try:
        yield made
    finally:
        for core in made:
            await core.dispose()


async def test_two_processes_run_a_job_once_per_period(clean_dbs: DbSet, tmp_path: Path) -> None:
    if clean_dbs.backend != "postgres":
        pytest.skip("the embedded SQLite deployment runs one process per service")
    log = tmp_path / "rounds.log"
    duration = 12 * INTERVAL
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.kit.periodic_worker",
            clean_dbs.core_url,
            str(log),
            str(INTERVAL),
            str(duration),
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    lines = [line.split() for line in log.read_text().splitlines()]
    starts = [float(t) for _, what, t in lines if what == "start"]
    ends = [float(t) for _, what, t in lines if what == "end"]
    rounds = sorted(float(t) for _, what, t in lines if what == "ran")
    assert len(starts) == len(ends) == 2
    # While both offered it every period, no period ran twice: rounds are a period apart.
    both = [t for t in rounds if max(starts) <= t <= min(ends)]
    gaps = [b - a for a, b in itertools.pairwise(both)]
    assert gaps and min(gaps) >= periodic.CLAIM_SLACK * INTERVAL * 0.95
    # ... and the job was not starved either: at least every other period ran.
    window = min(ends) - max(starts)
    assert len(both) >= window / INTERVAL / 2 - 1
    # Each process alone would have run it about duration / INTERVAL times.
    assert len(rounds) <= duration / INTERVAL + 2


async def test_a_round_still_running_elsewhere_is_not_started_again(
    cores: tuple[Database, Database], clean_dbs: DbSet
) -> None:
    first, second = cores
    async with periodic.turn(first, "long_job", 0.01) as mine:
        assert mine
        # Its period has passed, but the round is still going: the other instance skips.
        await asyncio.sleep(0.05)
        async with periodic.turn(second, "long_job", 0.01) as theirs:
            assert theirs is (clean_dbs.backend == "sqlite")
    await asyncio.sleep(0.05)
    async with periodic.turn(second, "long_job", 0.01) as theirs:
        assert theirs  # finished, and a period ago: the other instance takes the next round


async def test_another_instance_skips_the_period_already_run(
    cores: tuple[Database, Database], clean_dbs: DbSet
) -> None:
    first, second = cores
    ran: list[str] = []

    async def job(who: str) -> None:
        ran.append(who)

    assert await periodic.once(first, "hourly_job", 3600, lambda: job("first"))
    skipped = not await periodic.once(second, "hourly_job", 3600, lambda: job("second"))
    # On SQLite every instance runs its rounds (there is one per service).
    assert skipped is (clean_dbs.backend == "postgres")
    assert ran == (["first"] if clean_dbs.backend == "postgres" else ["first", "second"])
