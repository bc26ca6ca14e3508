"""Expired refresh tokens and one-time links are deleted; live ones are never touched."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from studyspot.kit import periodic
from studyspot.kit.db import unit_of_work
from studyspot.kit.models import utcnow
from studyspot.services.auth.housekeeping import prune_expired
from studyspot.services.auth.models import OneTimeToken, RefreshToken
from tests.auth.helpers import count, shift
from tests.conftest import Apps
from tests.fixtures.users import register_owner


async def refresh(auth: httpx.AsyncClient, token: str) -> httpx.Response:
    return await auth.post("/api/auth/refresh", json={"refresh_token": token})


async def test_pruning_deletes_only_tokens_long_expired(apps: Apps) -> None:
    auth = apps.client("auth")
    gone = await register_owner(apps)
    assert (
        await auth.post("/api/auth/forgot-password", json={"email": gone.email})
    ).status_code == 202
    # Everything so far expired over a month ago.
    await shift(apps, RefreshToken.__table__.c.expires_at, timedelta(days=40))
    await shift(apps, OneTimeToken.__table__.c.expires_at, timedelta(days=40))
    kept = await register_owner(apps)
    assert (
        await auth.post("/api/auth/forgot-password", json={"email": kept.email})
    ).status_code == 202

    async with unit_of_work(apps.app("auth").state.kit.core) as session:
        pruned = await prune_expired(session, utcnow())

    assert (pruned.refresh_tokens, pruned.one_time_tokens) == (1, 1)
    assert await count(apps, RefreshToken.__table__, RefreshToken.user_id == gone.user_id) == 0
    assert await count(apps, OneTimeToken.__table__, OneTimeToken.user_id == gone.user_id) == 0
    assert await count(apps, OneTimeToken.__table__, OneTimeToken.user_id == kept.user_id) == 1
    assert (await refresh(auth, gone.refresh_token)).status_code == 401
    assert (await refresh(auth, kept.refresh_token)).status_code == 200


async def test_a_failed_round_of_a_periodic_job_does_not_stop_the_next() -> None:
    rounds: list[int] = []

    async def job() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("the database went away")

    task = periodic.start(job, 0.01, "test_job")
    for _ in range(200):
        if len(rounds) >= 3:
            break
        await asyncio.sleep(0.01)
    await periodic.stop(task)
    assert len(rounds) >= 3
    assert task.cancelled()
