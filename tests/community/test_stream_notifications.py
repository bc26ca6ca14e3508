"""The message service's in-app notifications on the realtime stream: a notification put
in a user's feed (`notifications.notify`, the one function every notice, receipt and
reminder goes through) publishes `message.notification_created`, and the stream hands it
to that user's `user` topic as `notification` (ids only), to nobody else's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from studyspot.kit.db import unit_of_work
from studyspot.services.message import notifications
from tests.community.test_stream import memory_hub, open_stream
from tests.conftest import Apps
from tests.fixtures.bookings import ready_library, student_login
from tests.fixtures.users import LoggedIn


@pytest.fixture(autouse=True)
async def _hub_closed(apps: Apps) -> AsyncIterator[None]:
    """In process nothing runs the app's shutdown: close its hub (the outbox tail) here."""
    yield
    await apps.app("community").state.realtime.close()


async def _notify(apps: Apps, user: LoggedIn, user_type: str, title: str) -> uuid.UUID:
    assert user.tenant_id is not None
    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=user.tenant_id) as session:
        made = await notifications.notify(
            session,
            user.tenant_id,
            event_id=uuid.uuid4(),
            kind="notice",
            user_id=user.user_id,
            user_type=user_type,
            variables={"name": "Asha", "title": title, "body": "Bring water bottles."},
            now=datetime.now(UTC),
        )
    assert made is not None
    return made.id


async def test_a_new_notification_reaches_its_user_stream_only(apps: Apps) -> None:
    memory_hub(apps)
    ready = await ready_library(apps, seats=0, students=1)
    student = await student_login(apps, ready, ready.students[0])
    owner_stream = await open_stream(apps, ready.owner, topics="user")
    student_stream = await open_stream(apps, student, topics="user")

    made = await _notify(apps, ready.owner, "library_owner", "Water supply off on Sunday")
    (told,) = await owner_stream.take(1, wait=5)
    assert told.name == "notification" and told.id is None  # ephemeral: never replayed
    assert told.data["notification_id"] == str(made) and told.data["kind"] == "notice"
    # Neither the title nor the body travels: the bell reads the feed itself.
    assert "Water supply" not in str(told.data)
    # The student's own stream hears nothing of the owner's notification.
    assert await student_stream.quiet(1) == []

    mine = await _notify(apps, student, "student", "Library closed on Monday")
    (own,) = await student_stream.take(1, wait=5)
    assert own.data["notification_id"] == str(mine)
    await owner_stream.close()
    await student_stream.close()
