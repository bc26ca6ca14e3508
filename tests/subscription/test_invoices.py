"""StudySpot's GST invoices to tenants: 18 % inside the price, CGST + SGST within the
supplier's state or IGST across, numbered without gaps per financial year."""

from __future__ import annotations

import contextlib
import re
import zlib
from datetime import UTC, datetime

from studyspot.services.subscription.invoicing import taxable_of
from studyspot.services.subscription.runtime import runtime_of
from tests.conftest import Apps
from tests.fixtures.subscriptions import CURRENT, Clock, pay_manually
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner

GSTIN_MH = "27AAPFU0939F1ZV"


def test_the_taxable_value_is_the_price_without_18_percent_to_the_paisa() -> None:
    # 99,900 / 1.18 = 84,661.016... -> 84,661; tax 15,239.
    assert taxable_of(99_900, 1800) == 84_661
    # 249,900 / 1.18 = 211,779.66... -> 211,780; tax 38,120.
    assert taxable_of(249_900, 1800) == 211_780


async def buy_starter(apps: Apps, owner: LoggedIn, admin: LoggedIn) -> None:
    await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers
    )
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200


async def invoices(apps: Apps, owner: LoggedIn) -> list[dict[str, object]]:
    resp = await apps.client("subscription").get(f"{CURRENT}/invoices", headers=owner.headers)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, object]] = resp.json()["items"]
    return items


async def test_invoices_split_tax_by_place_of_supply_and_number_per_financial_year(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    karnataka, maharashtra, other = [await register_owner(apps) for _ in range(3)]
    clock = Clock(apps, datetime(2027, 3, 30, 12, tzinfo=UTC)).install()
    api = apps.client("subscription")
    bad = await api.put(
        f"{CURRENT}/billing-details",
        json={"name": "Lakshya", "gstin": "27AAPFU0939F1ZX"},
        headers=maharashtra.headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.gstin"
    details = await api.put(
        f"{CURRENT}/billing-details",
        json={"name": "Lakshya Library LLP", "gstin": GSTIN_MH},
        headers=maharashtra.headers,
    )
    assert details.status_code == 200, details.text

    await buy_starter(apps, karnataka, admin)  # no details: the supplier's state (29)
    await buy_starter(apps, maharashtra, admin)
    clock.now = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)  # 05:30 in India: the new year
    await buy_starter(apps, other, admin)

    (ka,) = await invoices(apps, karnataka)
    (mh,) = await invoices(apps, maharashtra)
    (nxt,) = await invoices(apps, other)
    assert (ka["invoice_number"], mh["invoice_number"], nxt["invoice_number"]) == (
        "SS/2026-27/000001",
        "SS/2026-27/000002",
        "SS/2027-28/000001",
    )
    assert (ka["taxable_paise"], ka["cgst_paise"], ka["sgst_paise"], ka["igst_paise"]) == (
        84_661,
        7_620,
        7_619,
        0,
    )
    assert (mh["place_of_supply"], mh["recipient_gstin"], mh["igst_paise"]) == (
        "27",
        GSTIN_MH,
        15_239,
    )
    assert mh["cgst_paise"] == mh["sgst_paise"] == 0
    assert all(i["total_paise"] == 99_900 for i in (ka, mh, nxt))

    # Another tenant's invoice is not found.
    peek = await api.get(f"{CURRENT}/invoices/{ka['id']}", headers=maharashtra.headers)
    assert peek.status_code == 404
    own = await api.get(f"{CURRENT}/invoices/{ka['id']}", headers=karnataka.headers)
    assert own.status_code == 200 and own.json() == ka


async def test_a_refused_payment_takes_no_invoice_number(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    first, second = await register_owner(apps), await register_owner(apps)
    Clock(apps, datetime(2026, 6, 1, tzinfo=UTC)).install()
    await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=first.headers
    )
    assert (await pay_manually(apps, admin, first.tenant_id, 5)).status_code == 422
    await buy_starter(apps, second, admin)
    assert (await pay_manually(apps, admin, first.tenant_id, 99_900)).status_code == 200
    numbers = [(await invoices(apps, who))[0]["invoice_number"] for who in (second, first)]
    assert numbers == ["SS/2026-27/000001", "SS/2026-27/000002"]


def pdf_text(body: bytes) -> str:
    """The text of every content stream of a PDF, inflated where compressed."""
    text = ""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        chunk = match.group(1)
        # Inflated from where the stream starts, not from the match: compressed bytes may
        # end in a CR that the pattern takes for the line's end (1 stream in 256).
        with contextlib.suppress(zlib.error):
            chunk = zlib.decompressobj().decompress(body[match.start(1) :])
        text += chunk.decode("latin-1")
    return text


async def test_an_invoice_downloads_as_a_pdf_with_its_number_gstins_and_amounts(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    owner, other = await register_owner(apps), await register_owner(apps)
    Clock(apps, datetime(2026, 6, 1, 9, tzinfo=UTC)).install()
    api = apps.client("subscription")
    details = await api.put(
        f"{CURRENT}/billing-details",
        json={"name": "Lakshya Library LLP", "gstin": GSTIN_MH},
        headers=owner.headers,
    )
    assert details.status_code == 200, details.text
    await buy_starter(apps, owner, admin)
    (invoice,) = await invoices(apps, owner)
    url = f"{CURRENT}/invoices/{invoice['id']}"

    for resp in (
        await api.get(url, headers={**owner.headers, "Accept": "application/pdf"}),
        await api.get(url, params={"format": "pdf"}, headers=owner.headers),
    ):
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == "application/pdf"
        assert resp.headers["content-disposition"] == 'inline; filename="SS-2026-27-000001.pdf"'
        assert resp.content.startswith(b"%PDF-")
        text = pdf_text(resp.content)
        # Maharashtra's GSTIN against the supplier's Karnataka one: IGST.
        for expected in (
            "TAX INVOICE",
            "SS/2026-27/000001",
            "GSTIN: 29AAACS0000A1Z9",
            GSTIN_MH,
            "Lakshya Library LLP",
            "INR 846.61",  # taxable value
            "IGST @ 18%",
            "INR 152.39",  # the tax
            "INR 999.00",  # the total
            "998314",
        ):
            assert expected in text, expected
        assert "CGST" not in text
    # Without asking for a PDF it stays JSON.
    plain = await api.get(url, headers=owner.headers)
    assert plain.headers["content-type"] == "application/json" and plain.json() == invoice

    # Another tenant's invoice is not found, as JSON or as PDF (a problem, no document).
    for headers in ({}, {"Accept": "application/pdf"}):
        peek = await api.get(url, headers={**other.headers, **headers})
        assert peek.status_code == 404
        assert peek.json()["code"] == "invoice_not_found"
    peek = await api.get(url, params={"format": "pdf"}, headers=other.headers)
    assert peek.status_code == 404 and not peek.content.startswith(b"%PDF")


async def test_the_pdf_prints_the_rate_the_invoice_was_issued_at_not_todays(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    before, after = await register_owner(apps), await register_owner(apps)
    Clock(apps, datetime(2026, 6, 1, 9, tzinfo=UTC)).install()
    await buy_starter(apps, before, admin)
    config = runtime_of(apps.app("subscription")).config
    config.gst_rate_bps = 1200  # the rate changes after the first invoice
    try:
        await buy_starter(apps, after, admin)
    finally:
        config.gst_rate_bps = 1800
    (old,) = await invoices(apps, before)
    (new,) = await invoices(apps, after)
    # 99 900 / 1.12 = 89 196.43 → 89 196; tax 10 704, CGST 5 352 + SGST 5 352.
    assert (old["gst_rate_bps"], new["gst_rate_bps"]) == (1800, 1200)
    assert (new["taxable_paise"], new["cgst_paise"], new["sgst_paise"]) == (89_196, 5_352, 5_352)
    config.gst_rate_bps = 2800  # whatever is configured when the PDF is asked for
    try:
        api = apps.client("subscription")
        texts = [
            pdf_text(
                (
                    await api.get(
                        f"{CURRENT}/invoices/{invoice['id']}",
                        params={"format": "pdf"},
                        headers=who.headers,
                    )
                ).content
            )
            for invoice, who in ((old, before), (new, after))
        ]
    finally:
        config.gst_rate_bps = 1800
    assert "CGST @ 9%" in texts[0] and "INR 76.20" in texts[0] and "Paid" in texts[0]
    assert "CGST @ 6%" in texts[1] and "INR 53.52" in texts[1]
    assert "14%" not in texts[0] + texts[1]
