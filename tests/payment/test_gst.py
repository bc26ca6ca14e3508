"""GST arithmetic and document numbers: exact paise, odd paisa, financial years, 16 characters."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from studyspot.services.payment import gst
from studyspot.services.payment.invoicing import format_number
from studyspot.services.payment.pdf import inr


def test_financial_year_runs_april_to_march() -> None:
    assert gst.financial_year(date(2026, 3, 31)) == "2025-26"
    assert gst.financial_year(date(2026, 4, 1)) == "2026-27"
    assert gst.financial_year(date(2099, 12, 31)) == "2099-00"


def test_the_odd_paisa_of_cgst_and_sgst_goes_to_cgst() -> None:
    split = gst.split(100, 19, 0, intra_state=True)
    assert (split.cgst_paise, split.sgst_paise, split.igst_paise) == (10, 9, 0)
    across = gst.split(100, 19, 0, intra_state=False)
    assert (across.cgst_paise, across.sgst_paise, across.igst_paise) == (0, 0, 19)


def test_supplier_state_is_the_first_two_digits_of_the_gstin() -> None:
    assert gst.is_intra_state("27AAPFU0939F1ZV", "27")
    assert not gst.is_intra_state("27AAPFU0939F1ZV", "29")


def test_a_deposit_is_not_taxed() -> None:
    split = gst.allocate(
        amount_paise=160_000,
        paid_before_paise=0,
        booking_total_paise=160_000,
        booking_taxable_paise=127_119,
        booking_gst_paise=22_881,
        intra_state=True,
    )
    assert (split.taxable_paise, split.gst_paise, split.other_paise) == (127_119, 22_881, 10_000)


@given(
    total=st.integers(min_value=100, max_value=10_000_000),
    rate_bps=st.sampled_from([0, 500, 1200, 1800, 2800]),
    parts=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=12),
    intra=st.booleans(),
)
def test_partial_payments_add_up_to_the_booking_tax_exactly(
    total: int, rate_bps: int, parts: list[int], intra: bool
) -> None:
    taxable = (total * 10_000 * 2 + (10_000 + rate_bps)) // (2 * (10_000 + rate_bps))
    tax = total - taxable
    weights = sum(parts)
    amounts = [total * p // weights for p in parts]
    amounts[-1] += total - sum(amounts)
    paid = 0
    sums = [0, 0, 0, 0]
    for amount in amounts:
        s = gst.allocate(
            amount_paise=amount,
            paid_before_paise=paid,
            booking_total_paise=total,
            booking_taxable_paise=taxable,
            booking_gst_paise=tax,
            intra_state=intra,
        )
        assert s.total_paise == amount
        assert s.cgst_paise + s.sgst_paise + s.igst_paise == s.gst_paise
        assert abs(s.cgst_paise - s.sgst_paise) <= 1
        sums = [sums[0] + s.taxable_paise, sums[1] + s.gst_paise, sums[2] + s.other_paise, 0]
        paid += amount
    assert sums[:3] == [taxable, tax, 0]


def test_document_numbers_fit_sixteen_characters() -> None:
    assert format_number("INV", "2026-27", 1) == "INV/2026-27/0001"
    assert format_number("INV", "2026-27", 9999) == "INV/2026-27/9999"
    assert format_number("INV", "2026-27", 10_000) == "INV/2627/10000"
    assert len(format_number("CRN", "2026-27", 9_999_999)) == 16


def test_amounts_print_with_indian_grouping() -> None:
    assert inr(123_456_789) == "INR 12,34,567.89"
    assert inr(-50) == "-INR 0.50"
    assert inr(100_000) == "INR 1,000.00"
