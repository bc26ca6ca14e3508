"""Templates: the Indian way of writing rupees, Hindi, declared variables, the sandbox, and
owners' own wording (checked before it is saved, used in what is sent)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from studyspot.kit.errors import Unprocessable
from studyspot.kit.india import format_rupees
from studyspot.services.message.templates import Template, render, render_text
from tests.conftest import Apps
from tests.fixtures.students import create_staff, owner_with_branches
from tests.fixtures.users import register_owner

TEMPLATES = "/api/messages/templates"
CONFIRMED_EMAIL_EN = f"{TEMPLATES}/booking_confirmed/email/en"


@pytest.mark.parametrize(
    ("paise", "written"),
    [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (99_999, "₹999.99"),
        (100_000, "₹1,000.00"),
        (15_000_000, "₹1,50,000.00"),
        (123_456_789, "₹12,34,567.89"),
        (10_000_000_000, "₹10,00,00,000.00"),
        (-15_000_000, "-₹1,50,000.00"),
    ],
)
def test_rupees_are_grouped_in_lakhs_and_crores(paise: int, written: str) -> None:
    assert format_rupees(paise) == written


def test_a_booking_confirmation_reads_in_hindi_with_rupees_and_dates() -> None:
    variables = {
        "name": "प्रिया",
        "start_date": "2026-12-07",
        "end_date": "2027-01-06",
        "total_paise": 15_000_000,
    }
    mail = render("booking_confirmed", "email", "hi", variables)
    assert mail.subject == "आपकी सीट पक्की हो गई है"
    assert "नमस्ते प्रिया" in mail.text
    assert "07 Dec 2026 से 06 Jan 2027 तक" in mail.text
    assert "₹1,50,000.00" in mail.text


def test_times_are_written_in_india_time() -> None:
    note = render(
        "waitlist_offer",
        "in_app",
        "en",
        {"offer_expires_at": datetime(2026, 12, 6, 12, 0, tzinfo=UTC).isoformat()},
    )
    assert "06 Dec 2026, 17:30 IST" in note.text


def test_an_undeclared_or_mistyped_variable_is_refused() -> None:
    with pytest.raises(Unprocessable) as unknown:
        render("booking_confirmed", "in_app", "en", {"total_paise": 1, "coupon": "X"})
    assert unknown.value.code == "template_variables_invalid"
    with pytest.raises(Unprocessable) as mistyped:
        render(
            "booking_confirmed",
            "in_app",
            "en",
            {"start_date": "2026-12-07", "end_date": "2027-01-06", "total_paise": "1500"},
        )
    assert mistyped.value.code == "template_variables_invalid"


def test_a_template_naming_a_variable_it_was_not_given_is_not_rendered_half_empty() -> None:
    with pytest.raises(Unprocessable) as missing:
        render("booking_confirmed", "email", "en", {"total_paise": 100})
    assert missing.value.code == "template_invalid"


def test_the_sandbox_keeps_a_template_away_from_python_internals() -> None:
    reach = Template("x", "{{ name.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(Unprocessable) as refused:
        render_text(reach, {"name": "Priya"})
    assert refused.value.code == "template_invalid"


async def test_owner_rewords_a_template_previews_it_and_goes_back_to_the_default(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    client = apps.client("message")
    listed = await client.get(TEMPLATES, headers=owner.headers)
    assert listed.status_code == 200, listed.text
    slots = {(t["kind"], t["channel"], t["language"]): t for t in listed.json()}
    assert slots[("booking_confirmed", "email", "hi")]["overridden"] is False
    assert slots[("booking_confirmed", "email", "en")]["variables"]["total_paise"] == "paise"

    wording = {
        "subject": "Seat booked at Lakshya",
        "body": "Namaste {{ name }}, {{ total_paise | inr }} received for "
        "{{ start_date | date }} to {{ end_date | date }}.",
    }
    preview = await client.post(
        f"{CONFIRMED_EMAIL_EN}/preview", json=wording, headers=owner.headers
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["text"] == (
        "Namaste Priya Sharma, ₹1,50,000.00 received for 31 Dec 2026 to 31 Dec 2026."
    )
    saved = await client.put(CONFIRMED_EMAIL_EN, json=wording, headers=owner.headers)
    assert saved.status_code == 204, saved.text
    in_use = await client.post(f"{CONFIRMED_EMAIL_EN}/preview", json={}, headers=owner.headers)
    assert in_use.json()["subject"] == "Seat booked at Lakshya"

    other = await register_owner(apps)
    theirs = await client.get(TEMPLATES, headers=other.headers)
    assert not any(t["overridden"] for t in theirs.json())

    assert (await client.delete(CONFIRMED_EMAIL_EN, headers=owner.headers)).status_code == 204
    again = await client.delete(CONFIRMED_EMAIL_EN, headers=owner.headers)
    assert again.status_code == 404 and again.json()["code"] == "template_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Hello {{ nmae }}", "template_invalid"),  # a typo: no such variable
        ("Hello {{ name ", "template_invalid"),  # not a template
        ("{{ name.__class__.__base__ }}", "template_invalid"),  # the sandbox says no
        ("{{ name | inr }}", "template_invalid"),  # rupees of a name
    ],
)
async def test_a_broken_template_is_refused_before_it_is_saved(
    apps: Apps, body: str, code: str
) -> None:
    owner = await register_owner(apps)
    client = apps.client("message")
    saved = await client.put(
        CONFIRMED_EMAIL_EN, json={"subject": "Booked", "body": body}, headers=owner.headers
    )
    assert saved.status_code == 422, saved.text
    assert saved.json()["code"] == code
    listed = await client.get(TEMPLATES, headers=owner.headers)
    assert not any(t["overridden"] for t in listed.json())


async def test_templates_are_the_owners_business(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    staff = await create_staff(apps, world.owner, [world.library_a])
    client = apps.client("message")
    assert (await client.get(TEMPLATES, headers=staff.headers)).status_code == 403
    wording = {"subject": "x", "body": "y"}
    refused = await client.put(CONFIRMED_EMAIL_EN, json=wording, headers=staff.headers)
    assert refused.status_code == 403
    unknown = await client.put(
        f"{TEMPLATES}/password_reset/in_app/en", json=wording, headers=world.owner.headers
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "template_missing"
    too_long = await client.put(
        CONFIRMED_EMAIL_EN, json={"subject": "x", "body": "y" * 5001}, headers=world.owner.headers
    )
    assert too_long.status_code == 422
    at_limit = await client.put(
        CONFIRMED_EMAIL_EN,
        json={"subject": "x" * 200, "body": "y" * 5000},
        headers=world.owner.headers,
    )
    assert at_limit.status_code == 204
