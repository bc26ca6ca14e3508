"""The pages the message service's links open, in a real browser against the real system
on the embedded default (web/e2e/messages.mjs).

No SMTP relay is configured, so e-mail goes to the development mailbox (`.eml` files in
DATA_DIR/mailbox), as for a newcomer who ran `./scripts/start`. The owner registers
through the gateway; in the browser they ask for a reset link from the login page's
"Forgot password?"; the worker and the message service's dispatcher put exactly one
e-mail in the mailbox, read here; the second browser run opens its link, sets a new
password, sees the old one refused and logs in with the new one; the link then works no
more. An invited staff member's e-mail opens /set-password, where they choose a password
and then log in as staff. Screenshots in var/artefacts/web/forgot-*.png, reset-*.png and
invite-*.png.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from studyspot.kit.db import unit_of_work
from studyspot.services.message import credit_purchases, notifications
from studyspot.services.message.mailbox import MailboxEntry, read_mailbox
from studyspot.services.subscription.runtime import runtime_of
from tests.conftest import Apps
from tests.fakes.cashfree import FakeCashfree
from tests.fakes.cashfree import credentials as cashfree_credentials
from tests.fakes.msg91 import FakeMsg91
from tests.fakes.razorpay import FakeRazorpay, key_pair
from tests.fixtures.databases import DbSet
from tests.fixtures.library import (
    STAFF,
    create_library,
    library_body,
    owner_with_limits,
    unique_mobile,
)
from tests.fixtures.messages import Clock, grant_credits, link_in, register_through_gateway
from tests.fixtures.students import admit
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn, register_owner
from tests.web.test_console_flow import (
    ARTEFACTS,
    WEB,
    _browser,
    _require_tools,
    started_console_system,
)

PASSWORD = "correct-horse-1"
NEW_PASSWORD = "a-new-horse-42"
ARRIVES_WITHIN_SECONDS = 30.0
SMS_PRICE = 25
# The password of the business's own SMTP account the owner saves in the browser.
SMTP_SECRET = "relay-pass-4f9c2e7a"


@pytest.fixture
async def mailbox_system(dbs: DbSet, tmp_path: Path) -> AsyncIterator[System]:
    """Every service, the worker and the gateway on SQLite, with no e-mail provider."""
    if dbs.backend != "sqlite":
        pytest.skip("the browser flow runs on the embedded default (SQLite) only")
    _require_tools()
    dist = tmp_path / "dist"
    shutil.copytree(WEB / "dist", dist)
    system = System(dbs, env={"GATEWAY_CONSOLE_DIR": str(dist), "MESSAGE_DISPATCH_SECONDS": "0.2"})
    await system.start_all()
    try:
        yield system
    finally:
        await system.close()


async def _register(system: System) -> dict[str, Any]:
    async with system.client() as http:
        return await register_through_gateway(http, PASSWORD, prefix="reset")


def _browser_link(text: str, page: str) -> str:
    """The path and query of the link in an e-mail, to open against the test's gateway."""
    link, _ = link_in(text)
    parts = urlsplit(link)
    assert parts.path == page
    return f"{parts.path}?{parts.query}"


async def _scenario(system: System, *args: Any, **kwargs: Any) -> str:
    """`_browser` with the auth service's log beside a failure (logins are what it tests)."""
    try:
        return await _browser(system, *args, **kwargs)
    except AssertionError as failed:
        raise AssertionError(f"{failed}\n--- auth log\n{system.logs_of('auth')[-4000:]}") from None


async def _mail_to(folder: Path, address: str) -> list[MailboxEntry]:
    deadline = asyncio.get_running_loop().time() + ARRIVES_WITHIN_SECONDS
    while True:
        found, _ = read_mailbox(folder, to=address, offset=0, limit=10)
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no e-mail to {address} in {folder}")
        await asyncio.sleep(0.2)


async def test_forgot_password_from_the_login_page_to_a_login_with_the_new_password(
    mailbox_system: System, dbs: DbSet
) -> None:
    """Login page → Forgot password? → one e-mail in the development mailbox → its link
    opens /reset-password → the new password twice → the old password is refused, the
    new one logs in → the same link is refused the second time."""
    email = (await _register(mailbox_system))["email"]
    out = await _browser(mailbox_system, "forgot", email, PASSWORD, script="e2e/messages.mjs")
    assert "forgot: passed" in out

    mails = await _mail_to(dbs.data_dir / "mailbox", email)
    assert [m.subject for m in mails] == ["Reset your StudySpot password"]
    link = _browser_link(mails[0].text, "/reset-password")

    out = await _scenario(
        mailbox_system,
        "reset",
        email,
        PASSWORD,
        script="e2e/messages.mjs",
        extra_env={"LINK": link, "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert "reset: passed" in out
    # Still exactly one e-mail: no second delivery of the same event.
    again, _ = read_mailbox(dbs.data_dir / "mailbox", to=email, offset=0, limit=10)
    assert len(again) == 1


async def test_an_invited_staff_member_sets_a_password_and_logs_in_as_staff(
    mailbox_system: System, dbs: DbSet
) -> None:
    """The owner adds a staff member by e-mail → the invite in the development mailbox →
    its link opens /set-password → a password twice → the login page → staff login."""
    owner = await _register(mailbox_system)
    headers = {"Authorization": f"Bearer {owner['access_token']}"}
    staff_email = f"clerk-{uuid.uuid4().hex[:10]}@example.com"
    async with mailbox_system.client() as http:
        library = await http.post("/api/v1/libraries", json=library_body(), headers=headers)
        assert library.status_code == 201, library.text
        hired = await http.post(
            STAFF,
            json={
                "name": "Ravi Kumar",
                "email": staff_email,
                "phone": unique_mobile(),
                "role": "staff",
                "library_ids": [library.json()["id"]],
            },
            headers=headers,
        )
        assert hired.status_code == 201, hired.text

    mails = await _mail_to(dbs.data_dir / "mailbox", staff_email)
    assert [m.subject for m in mails] == ["You are invited to StudySpot"]
    out = await _scenario(
        mailbox_system,
        "invite",
        staff_email,
        NEW_PASSWORD,
        script="e2e/messages.mjs",
        extra_env={
            "LINK": _browser_link(mails[0].text, "/set-password"),
            "TENANT_SLUG": owner["tenant"]["slug"],
        },
    )
    assert "invite: passed" in out


@pytest.fixture
async def sms_system(dbs: DbSet, tmp_path: Path) -> AsyncIterator[System]:
    """The system with MSG91 at the local fake (flows for broadcasts), e-mail to the mailbox."""
    if dbs.backend != "sqlite":
        pytest.skip("the browser flow runs on the embedded default (SQLite) only")
    _require_tools()
    dist = tmp_path / "dist"
    shutil.copytree(WEB / "dist", dist)
    msg91 = FakeMsg91()
    await msg91.start()
    flows = {kind: msg91.register(kind) for kind in ("announcement", "notice")}
    system = System(
        dbs,
        env={
            "GATEWAY_CONSOLE_DIR": str(dist),
            "MESSAGE_DISPATCH_SECONDS": "0.2",
            "MESSAGE_MSG91_BASE_URL": msg91.url,
            "MESSAGE_MSG91_AUTH_KEY": msg91.auth_key,
            "MESSAGE_MSG91_SENDER": msg91.sender,
            "MESSAGE_MSG91_ENTITY_ID": msg91.entity_id,
            "MESSAGE_MSG91_FLOWS_JSON": json.dumps(flows),
            "MESSAGE_SMS_PRICE_PAISE_PER_SEGMENT": str(SMS_PRICE),
        },
    )
    try:
        await system.start_all()
        yield system
    finally:
        await system.close()
        await msg91.stop()


async def _notify_owner(apps: Apps, owner: LoggedIn, title: str) -> None:
    """A notice in the owner's feed, written as the message service writes one."""
    assert owner.tenant_id is not None
    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=owner.tenant_id) as session:
        made = await notifications.notify(
            session,
            owner.tenant_id,
            event_id=uuid.uuid4(),
            kind="notice",
            user_id=owner.user_id,
            user_type="library_owner",
            variables={"name": "Asha", "title": title, "body": "Bring water bottles."},
            now=datetime.now(UTC),
        )
    assert made is not None


async def _unread_settled(apps: Apps, owner: LoggedIn, expected: int) -> int:
    """The owner's unread count once it reached `expected` (events delivered meanwhile)."""
    found = -1
    for _ in range(150):
        resp = await apps.client("message").get(
            "/api/messages/notifications/unread-count", headers=owner.headers
        )
        assert resp.status_code == 200, resp.text
        found = int(resp.json()["unread"])
        if found >= expected:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"the owner's feed has {found} unread, not {expected}")


async def test_the_owner_reads_the_bell_and_quotes_sends_a_broadcast_and_edits_a_template(
    sms_system: System, apps: Apps
) -> None:
    """The bell's unread notification is read from the feed; Messages shows the credits and
    their ledger; an audience by booking status and dues is previewed as empty (nothing to
    send); an SMS broadcast to the branch's three students is quoted (two consented,
    one skipped; two one-segment SMS) and sent, taking its cost off the balance; a template
    is previewed, reworded and put back; the business's own SMTP account is saved with a
    password the page never shows again, then removed; the third student's SMS promotions
    consent is switched on from its profile."""
    owner = await owner_with_limits(apps)
    library = (await create_library(apps, owner, name="Gyan Kendra Kothrud"))["id"]
    students = [await admit(apps, owner, uuid.UUID(library)) for _ in range(3)]
    for student in students[:2]:
        agreed = await apps.client("message").put(
            f"/api/messages/consents/{student['id']}",
            json={
                "channel": "sms",
                "purpose": "promotional",
                "granted": True,
                "notice_version": "v2",
            },
            headers=owner.headers,
        )
        assert agreed.status_code == 200, agreed.text
    granted = 10_000
    assert await grant_credits(apps, owner, granted) == granted
    await _notify_owner(apps, owner, "Water supply off on Sunday")
    # The three admissions are news of the branch in the owner's feed too (the worker
    # delivers them): the bell must count all four, so wait until they are there.
    unread = await _unread_settled(apps, owner, 1 + len(students))

    cost = 2 * SMS_PRICE
    out = await _scenario(
        sms_system,
        "owner",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/messages.mjs",
        extra_env={
            "NOTICE": "Water supply off on Sunday",
            "UNREAD": str(unread),
            "BRANCH": "Gyan Kendra Kothrud",
            "STUDENT_ID": students[2]["id"],
            "SMTP_SECRET": SMTP_SECRET,
            "COST": "₹0.50",
            "BALANCE_BEFORE": "₹100.00",
            "BALANCE_AFTER": "₹99.50",
        },
    )
    assert "owner: passed" in out
    balance = await apps.client("message").get("/api/messages/credits", headers=owner.headers)
    assert balance.json()["balance_paise"] == granted - cost
    # The desk's consent, recorded from the student's profile, with its notice version.
    recorded = await apps.client("message").get(
        f"/api/messages/consents/{students[2]['id']}", headers=owner.headers
    )
    assert [
        (c["channel"], c["purpose"], c["granted"], c["notice_version"]) for c in recorded.json()
    ] == [("sms", "promotional", True, "desk-2026-12")]
    # The SMTP account was removed again; its password was in no answer the page saw.
    accounts = await apps.client("message").get(
        "/api/messages/sender-accounts", headers=owner.headers
    )
    assert accounts.json() == []


@pytest.fixture
async def credits_system(
    dbs: DbSet, tmp_path: Path, apps: Apps
) -> AsyncIterator[tuple[System, FakeRazorpay, FakeCashfree]]:
    """The system with StudySpot's own Razorpay and Cashfree accounts on local fakes, whose
    checkout.js and cashfree.js the console loads (`RAZORPAY_CHECKOUT_URL`,
    `CASHFREE_CHECKOUT_URL`, allowed by the console's CSP; never the internet). The
    in-process apps (`apps`, the same databases) know the Cashfree account too."""
    razorpay, cashfree = FakeRazorpay(), FakeCashfree()
    await razorpay.start()
    await cashfree.start()
    key_id, secret = key_pair()
    razorpay.add_account(key_id, secret, "whsec-platform")
    client_id, client_secret = cashfree_credentials()
    cashfree.add_account(client_id, client_secret)
    config = runtime_of(apps.app("subscription")).config
    config.cashfree_client_id, config.cashfree_client_secret = client_id, client_secret
    config.cashfree_base_url = cashfree.url
    env = {
        "SUBSCRIPTION_RAZORPAY_KEY_ID": key_id,
        "SUBSCRIPTION_RAZORPAY_KEY_SECRET": secret,
        "SUBSCRIPTION_RAZORPAY_WEBHOOK_SECRET": "whsec-platform",
        "SUBSCRIPTION_RAZORPAY_BASE_URL": razorpay.url,
        "RAZORPAY_CHECKOUT_URL": f"{razorpay.url}/v1/checkout.js",
        "SUBSCRIPTION_CASHFREE_CLIENT_ID": client_id,
        "SUBSCRIPTION_CASHFREE_CLIENT_SECRET": client_secret,
        "SUBSCRIPTION_CASHFREE_BASE_URL": cashfree.url,
        "SUBSCRIPTION_CASHFREE_MODE": "sandbox",
        "CASHFREE_CHECKOUT_URL": f"{cashfree.server.url}/js/v3/cashfree.js",
    }
    try:
        async with started_console_system(dbs, tmp_path, env) as system:
            yield system, razorpay, cashfree
    finally:
        await razorpay.stop()
        await cashfree.stop()


async def test_the_owner_buys_credits_in_razorpay_and_cashfree_checkouts_and_sees_them_at_once(
    credits_system: tuple[System, FakeRazorpay, FakeCashfree], apps: Apps
) -> None:
    """Messages → Buy credits: the ₹1,000 pack paid in Razorpay Checkout and the ₹500 pack
    in Cashfree's checkout (its JS SDK in sandbox mode), both on StudySpot's accounts (the
    local fakes); the page shows StudySpot's invoices, the balance and the ledger's
    purchases, and the purchases list names each provider and status, an abandoned one
    too (made here and marked by the sweep with the clock moved a day on)."""
    system, razorpay, cashfree = credits_system
    owner = await register_owner(apps)
    made = await apps.client("message").post(
        "/api/messages/credits/purchases",
        json={"amount_paise": 250_000, "provider": "cashfree"},
        headers=owner.headers,
    )
    assert made.status_code == 201, made.text
    Clock(apps, datetime.now(UTC) + timedelta(hours=25))
    runtime = apps.app("message").state.message
    marked = await credit_purchases.sweep_abandoned(
        apps.app("message").state.kit, runtime.config, runtime.dispatcher.clock
    )
    assert marked == 1
    out = await _browser(
        system,
        "buy",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/messages.mjs",
        extra_env={"ABANDONED_ID": made.json()["id"]},
    )
    assert "buy: passed" in out
    results = json.loads((ARTEFACTS / "buy-results.json").read_text())
    [order] = razorpay.orders.values()
    assert (order["amount"], order["notes"]["purpose"]) == (100_000, "message_credits")
    paid_cashfree = [o for o in cashfree.orders.values() if o["order_status"] == "PAID"]
    assert [(o["order_amount"], o["order_tags"]["purpose"]) for o in paid_cashfree] == [
        (500, "message_credits")
    ]
    assert cashfree.sdk_modes == ["sandbox"]
    async with system.client() as http:
        balance = await http.get("/api/messages/credits", headers=owner.headers)
        assert balance.json()["balance_paise"] == 150_000
        invoices = await http.get("/api/v1/subscriptions/current/invoices", headers=owner.headers)
    assert sorted(i["invoice_number"] for i in invoices.json()["items"]) == sorted(
        [results["invoice"], results["cashfree_invoice"]]
    )
