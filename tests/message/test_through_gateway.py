"""The proof of issue 14's first part, with every service a real process: forgot-password
and an invite through the gateway reach a real SMTP server as exactly one e-mail each,
and the link in it works once.

Nothing is called in-process: auth writes the sealed link event, the worker hands it to
the message consumer, the message service's own dispatcher sends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.fixtures.databases import DbSet
from tests.fixtures.library import library_body
from tests.fixtures.messages import link_in, register_through_gateway
from tests.fixtures.smtp import Inbox, smtp_server
from tests.fixtures.students import student_body
from tests.fixtures.system import System

pytestmark = pytest.mark.slow

PASSWORD = "correct-horse-1"
NEW_PASSWORD = "a-new-horse-42"
# The worker polls the outbox and the dispatcher its deliveries; slower is a failure.
ARRIVES_WITHIN_SECONDS = 30.0


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
async def mailing_system(dbs: DbSet, inbox: Inbox) -> AsyncIterator[System]:
    started = System(
        dbs,
        env={
            "MESSAGE_SMTP_HOST": inbox.host,
            "MESSAGE_SMTP_PORT": str(inbox.port),
            "MESSAGE_SMTP_SECURITY": "none",
            "MESSAGE_DISPATCH_SECONDS": "0.2",
            "DB_POOL_SIZE": "2",
            "DB_MAX_OVERFLOW": "2",
        },
    )
    await started.start_all()
    try:
        yield started
    finally:
        await started.close()


@pytest.fixture
async def system(mailing_system: System, clean_dbs: DbSet) -> AsyncIterator[System]:
    yield mailing_system
    await mailing_system.restore()


async def _mail_to(inbox: Inbox, address: str) -> EmailMessage:
    deadline = asyncio.get_running_loop().time() + ARRIVES_WITHIN_SECONDS
    while not inbox.to(address):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no e-mail reached {address}")
        await asyncio.sleep(0.1)
    [mail] = inbox.to(address)
    return mail


async def _register(http: httpx.AsyncClient) -> dict[str, Any]:
    return await register_through_gateway(http, PASSWORD)


async def test_forgot_password_through_the_gateway_sends_one_email_whose_link_works_once(
    system: System, inbox: Inbox
) -> None:
    async with system.client() as http:
        owner = await _register(http)
        asked = await http.post("/api/auth/forgot-password", json={"email": owner["email"]})
        assert asked.status_code == 202
        mail = await _mail_to(inbox, owner["email"])
        _, token = link_in(mail.get_content())

        reset = {"token": token, "new_password": NEW_PASSWORD}
        assert (await http.post("/api/auth/reset-password", json=reset)).status_code == 204
        again = await http.post("/api/auth/reset-password", json=reset)
        assert again.status_code == 422
        logged_in = await http.post(
            "/api/auth/login",
            json={"email": owner["email"], "password": NEW_PASSWORD, "user_type": "library_owner"},
        )
        assert logged_in.status_code == 200, logged_in.text
        # A second round of the dispatcher and the worker later: still exactly one.
        await asyncio.sleep(1.0)
        assert len(inbox.to(owner["email"])) == 1


async def test_an_invited_student_gets_the_link_by_email_and_logs_in_through_the_gateway(
    system: System, inbox: Inbox
) -> None:
    async with system.client() as http:
        owner = await _register(http)
        headers = {"Authorization": f"Bearer {owner['access_token']}"}
        library = await http.post("/api/v1/libraries", json=library_body(), headers=headers)
        assert library.status_code == 201, library.text
        admitted = await http.post(
            "/api/v1/students", json=student_body(library.json()["id"]), headers=headers
        )
        assert admitted.status_code == 201, admitted.text
        student = admitted.json()
        invited = await http.post(f"/api/v1/students/{student['id']}/invite", headers=headers)
        assert invited.status_code == 202, invited.text

        mail = await _mail_to(inbox, student["email"])
        assert mail["Subject"] == "You are invited to StudySpot"
        _, token = link_in(mail.get_content())
        chosen = await http.post(
            "/api/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
        )
        assert chosen.status_code == 204, chosen.text
        logged_in = await http.post(
            "/api/auth/login",
            json={
                "phone": student["phone"],
                "password": NEW_PASSWORD,
                "user_type": "student",
                "tenant_slug": owner["tenant"]["slug"],
            },
        )
        assert logged_in.status_code == 200, logged_in.text
        deliveries = await http.get("/api/messages/deliveries", headers=headers)
        assert deliveries.status_code == 200, deliveries.text
        [sent] = [d for d in deliveries.json()["items"] if d["recipient"] == student["email"]]
        assert (sent["kind"], sent["status"], sent["provider"]) == ("invite", "sent", "smtp")
