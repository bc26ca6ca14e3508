"""`studyspot analytics rebuild`, and two workers applying one booking's events at once."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from typer.testing import CliRunner

from studyspot.cli import app as cli_app
from studyspot.services.analytics.models import AnalyticsBooking
from tests.analytics.test_month import d, library_of
from tests.conftest import Apps
from tests.fixtures.analytics import Script, feed, ist, read_models


async def test_the_rebuild_command_replays_every_tenants_log(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    month = await library_of(apps)
    await feed(apps, month.events)
    before = await read_models(apps, month.script.tenant_id)
    settings = apps.app("analytics").state.kit.settings
    monkeypatch.setattr("studyspot.services.analytics.cli.get_settings", lambda: settings)
    # The command runs its own event loop: off this test's loop, in a thread.
    result = await asyncio.to_thread(CliRunner().invoke, cli_app, ["analytics", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"{month.script.tenant_id}: {len(month.events)} events replayed" in result.output
    assert "rebuilt 1 tenant(s)" in result.output
    assert await read_models(apps, month.script.tenant_id) == before


async def test_two_workers_applying_one_bookings_events_at_once_lose_neither(apps: Apps) -> None:
    month = await library_of(apps)
    for _ in range(3):
        s = Script(month.script.tenant_id, month.library_id)
        booking = s.book(
            ist(d(11, 1), "10:00"), uuid.uuid4(), month.m, d(11, 2), d(11, 30), 150_000
        )
        s.cancel(ist(d(11, 5), "10:00"), booking)
        s.transfer(ist(d(11, 3), "10:00"), booking, month.m, 5_000)
        ran = await asyncio.gather(*(feed(apps, [e]) for e in s.events))
        assert sum(ran) == len(s.events)
        rows = await read_models(apps, month.script.tenant_id)
        columns = [c.key for c in AnalyticsBooking.__table__.columns]
        found = [dict(zip(columns, r, strict=True)) for r in rows["analytics_bookings"]]
        (row,) = [r for r in found if r["booking_id"] == booking]
        # Created, confirmed, cancelled and transferred all count: the charge has the
        # difference, the status is cancelled, the library is known.
        assert (row["charged_paise"], row["status"], row["library_id"]) == (
            155_000,
            "cancelled",
            month.library_id,
        )
