"""Upgrading mid-cycle: the quote to the paisa, three worked examples, then the API."""

from __future__ import annotations

from datetime import UTC, datetime

from studyspot.services.subscription.periods import period_end, prorate
from tests.conftest import Apps
from tests.fixtures.subscriptions import (
    CURRENT,
    Clock,
    current,
    pay_manually,
    pay_upgrade_invoice,
)
from tests.fixtures.users import create_platform_user, register_owner

START = datetime(2026, 4, 1, tzinfo=UTC)


def test_worked_example_1_starter_to_professional_half_way_through_april() -> None:
    # April has 30 days; 15 are left. Credit 99,900 x 15/30 = 49,950.
    # Charge 249,900 x 15/30 = 124,950. Due 124,950 - 49,950 = 75,000 paise (Rs 750.00).
    end = period_end(START, "monthly")
    assert end == datetime(2026, 5, 1, tzinfo=UTC)
    q = prorate(99_900, 249_900, START, end, datetime(2026, 4, 16, tzinfo=UTC))
    assert (q.credit_paise, q.charge_paise, q.amount_due_paise) == (49_950, 124_950, 75_000)


def test_worked_example_2_a_third_of_the_month_left_rounds_half_up_each_share() -> None:
    # 10 of 30 days left. Credit 99,900 / 3 = 33,300 exactly.
    # Charge 249,900 / 3 = 83,300 exactly. Due 50,000 paise.
    # Then 7 of 30 days: credit 99,900 x 7/30 = 23,310; charge 249,900 x 7/30 = 58,310.
    end = period_end(START, "monthly")
    q = prorate(99_900, 249_900, START, end, datetime(2026, 4, 21, tzinfo=UTC))
    assert (q.credit_paise, q.charge_paise, q.amount_due_paise) == (33_300, 83_300, 50_000)
    q = prorate(99_900, 249_900, START, end, datetime(2026, 4, 24, tzinfo=UTC))
    assert (q.credit_paise, q.charge_paise, q.amount_due_paise) == (23_310, 58_310, 35_000)


def test_worked_example_3_annual_professional_to_enterprise_with_a_fraction_of_a_paisa() -> None:
    # An annual period 2026-04-01 .. 2027-04-01 (365 days); 100 days left.
    # Credit 2,499,000 x 100/365 = 684,657.53... -> 684,658.
    # Charge 7,999,000 x 100/365 = 2,191,506.84... -> 2,191,507. Due 1,506,849 paise.
    end = period_end(START, "annual")
    assert (end - START).days == 365
    now = datetime(2026, 12, 22, tzinfo=UTC)
    assert (end - now).days == 100
    q = prorate(2_499_000, 7_999_000, START, end, now)
    assert (q.credit_paise, q.charge_paise, q.amount_due_paise) == (684_658, 2_191_507, 1_506_849)


async def test_upgrade_is_quoted_then_confirmed_and_a_downgrade_waits_for_period_end(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    admin = await create_platform_user(apps)
    clock = Clock(apps, START).install()
    api = apps.client("subscription")
    await api.post(f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers)
    paid = await pay_manually(apps, admin, owner.tenant_id, 99_900)
    assert paid.status_code == 200, paid.text

    clock.now = datetime(2026, 4, 16, tzinfo=UTC)
    quote = await api.post(
        f"{CURRENT}/upgrade/quote", json={"plan_code": "professional"}, headers=owner.headers
    )
    assert quote.status_code == 200, quote.text
    assert quote.json()["amount_due_paise"] == 75_000
    assert (await current(apps, owner))["plan_code"] == "starter"  # a quote changes nothing
    stale = await api.post(
        f"{CURRENT}/upgrade",
        json={"plan_code": "professional", "expected_amount_paise": 70_000},
        headers=owner.headers,
    )
    assert stale.status_code == 409 and stale.json()["code"] == "quote_changed"
    done = await api.post(
        f"{CURRENT}/upgrade",
        json={"plan_code": "professional", "expected_amount_paise": 75_000},
        headers=owner.headers,
    )
    assert done.status_code == 200, done.text
    # Confirmed, it waits for its invoice to be paid (this tenant pays by bank transfer).
    assert (done.json()["plan_code"], done.json()["pending_upgrade"]["amount_paise"]) == (
        "starter",
        75_000,
    )
    upgraded = await pay_upgrade_invoice(apps, admin, owner)
    assert (upgraded["plan_code"], upgraded["max_libraries"]) == ("professional", 5)

    down = await api.post(
        f"{CURRENT}/downgrade", json={"plan_code": "starter"}, headers=owner.headers
    )
    assert down.status_code == 200
    body = down.json()
    assert (body["plan_code"], body["pending_plan_code"]) == ("professional", "starter")


async def test_a_quote_holds_for_fifteen_minutes_then_is_quoted_again(apps: Apps) -> None:
    """An owner reads the quote, then confirms: charged what was shown, not a paisa less
    for the seconds between; after the hold the amount has moved and is refused."""
    owner = await register_owner(apps)
    admin = await create_platform_user(apps)
    clock = Clock(apps, START).install()
    api = apps.client("subscription")
    await api.post(f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers)
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200

    clock.now = datetime(2026, 4, 16, 9, 0, 7, tzinfo=UTC)  # an odd second: shares have fractions
    quote = (
        await api.post(
            f"{CURRENT}/upgrade/quote", json={"plan_code": "professional"}, headers=owner.headers
        )
    ).json()
    assert quote["quoted_at"].startswith("2026-04-16T09:00:07")
    assert quote["valid_until"].startswith("2026-04-16T09:15:07")
    confirm = {
        "plan_code": "professional",
        "expected_amount_paise": quote["amount_due_paise"],
        "quoted_at": quote["quoted_at"],
    }

    # Sixteen minutes later the amount due has moved: the quote no longer holds.
    clock.now = datetime(2026, 4, 16, 9, 16, 7, tzinfo=UTC)
    late = prorate(99_900, 249_900, START, period_end(START, "monthly"), clock.now)
    assert late.amount_due_paise != quote["amount_due_paise"]
    stale = await api.post(f"{CURRENT}/upgrade", json=confirm, headers=owner.headers)
    assert stale.status_code == 409 and stale.json()["code"] == "quote_changed"
    assert (await current(apps, owner))["plan_code"] == "starter"

    # Fourteen minutes after a fresh quote: charged exactly what it showed.
    clock.now = datetime(2026, 4, 16, 9, 20, 7, tzinfo=UTC)
    quote = (
        await api.post(
            f"{CURRENT}/upgrade/quote", json={"plan_code": "professional"}, headers=owner.headers
        )
    ).json()
    clock.now = datetime(2026, 4, 16, 9, 34, 7, tzinfo=UTC)
    moved = prorate(99_900, 249_900, START, period_end(START, "monthly"), clock.now)
    assert moved.amount_due_paise != quote["amount_due_paise"]
    done = await api.post(
        f"{CURRENT}/upgrade",
        json={
            **confirm,
            "expected_amount_paise": quote["amount_due_paise"],
            "quoted_at": quote["quoted_at"],
        },
        headers=owner.headers,
    )
    assert done.status_code == 200, done.text
    waiting = done.json()["pending_upgrade"]
    assert (waiting["to_plan"], waiting["amount_paise"]) == (
        "professional",
        quote["amount_due_paise"],
    )
