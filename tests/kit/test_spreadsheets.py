"""kit.spreadsheets: what a sheet says, read right; what a hostile sheet tries, refused."""

from __future__ import annotations

import pytest

from studyspot.kit.spreadsheets import SheetLimits, SheetRejected, read_rows
from tests.fixtures.workbooks import (
    MAIN_NS,
    deflate,
    raw_workbook,
    row_index_bomb,
    workbook,
    zip_bytes,
)

LIMITS = SheetLimits()


def test_billion_laughs_in_the_sheet_is_refused_for_its_dtd() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="' + MAIN_NS.encode() + b'"><sheetData><row r="1">'
        b'<c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    with pytest.raises(SheetRejected, match="DTD"):
        read_rows("x.xlsx", raw_workbook(laughs), LIMITS)


def test_a_row_index_past_the_limit_stops_the_read_at_that_row() -> None:
    with pytest.raises(SheetRejected) as exc:
        read_rows("x.xlsx", row_index_bomb(2_000_000_000), LIMITS)
    assert exc.value.code == "too_many_rows"
    rows = read_rows("x.xlsx", row_index_bomb(LIMITS.max_row_index), LIMITS)
    assert rows == [(1, ["name", "phone"]), (LIMITS.max_row_index, ["Ravi", "9876543210"])]


def test_rows_going_backwards_cannot_replay_the_row_budget() -> None:
    row = '<row r="5"><c r="A5" t="inlineStr"><is><t>x</t></is></c></row>'
    with pytest.raises(SheetRejected, match="out of order"):
        read_rows("x.xlsx", workbook(row + row), LIMITS)


def test_too_many_parts_are_refused_from_the_directory() -> None:
    parts = [deflate(f"junk/{i}.xml", b"<a/>") for i in range(LIMITS.max_members + 1)]
    with pytest.raises(SheetRejected) as exc:
        read_rows("x.xlsx", zip_bytes(parts), LIMITS)
    assert exc.value.code == "too_many_parts"


def test_cells_read_as_a_person_sees_them() -> None:
    rows = (
        '<row r="2">'
        '<c r="A2" t="inlineStr"><is><r><t>Meena </t></r><r><t>Iyer</t></r>'
        "<rPh><t>reading aid</t></rPh></is></c>"
        '<c r="B2"><v>9876501235</v></c>'
        '<c r="C2" t="b"><v>1</v></c>'
        '<c r="D2"><v>1.5</v></c>'
        '<c r="E2"><v>9.8765E9</v></c>'
        '<c r="F2" t="str"><v>=formula text</v></c>'
        '<c r="AZ2" t="inlineStr"><is><t>column 52: past the last read</t></is></c>'
        "</row>"
    )
    got = read_rows("x.xlsx", workbook(rows), LIMITS)
    assert got[1] == (2, ["Meena Iyer", "9876501235", "true", "1.5", "9876500000", "=formula text"])


def test_csv_blank_lines_count_as_rows() -> None:
    data = b"name,phone\n" + b"\n" * LIMITS.max_rows + b"Ravi,9876543210\n"
    with pytest.raises(SheetRejected) as exc:
        read_rows("x.csv", data, LIMITS)
    assert exc.value.code == "too_many_rows"
    assert read_rows("x.csv", b"name,phone\n\nRavi,9876543210\n", LIMITS) == [
        (1, ["name", "phone"]),
        (3, ["Ravi", "9876543210"]),
    ]
