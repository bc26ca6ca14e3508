"""Reading and checking register files, before anything touches the database."""

from __future__ import annotations

from datetime import date

import pytest

from studyspot.services.student.errors import ImportRejected
from studyspot.services.student.importing import read_and_check
from tests.fixtures.students import aadhaar, csv_bytes, register_rows, xlsx_bytes

TODAY = date(2026, 11, 26)


def test_bad_rows_are_named_by_line_and_field() -> None:
    rows = register_rows(6)
    rows[1]["phone"] = "12345"  # line 3
    rows[3]["email"] = "not-an-email"  # line 5
    rows[4]["id_proof_number"] = aadhaar(1)[:-1] + "0" if aadhaar(1)[-1] != "0" else "234"
    checked = read_and_check("students.csv", csv_bytes(rows), TODAY)
    assert checked.total_rows == 6
    assert checked.bad_lines == {3, 5, 6}
    fields = {(e.line, e.field) for e in checked.errors}
    assert {(3, "phone"), (5, "email"), (6, "id_proof_number")} <= fields
    assert [r.line for r in checked.good] == [2, 4, 7]


def test_minor_without_guardian_is_a_bad_row() -> None:
    rows = register_rows(2)
    rows[0]["date_of_birth"] = "2015-06-01"
    rows[1]["date_of_birth"] = "01/06/2015"  # day first, as Indian registers write it
    rows[1]["guardian_name"] = "Ramesh Kumar"
    rows[1]["guardian_phone"] = "9812345678"
    checked = read_and_check("students.csv", csv_bytes(rows), TODAY)
    assert {(e.line, e.field) for e in checked.errors} == {
        (2, "guardian_name"),
        (2, "guardian_phone"),
    }
    assert checked.good[0].values["date_of_birth"] == date(2015, 6, 1)
    assert checked.good[0].values["guardian_phone"] == "+919812345678"


def test_a_phone_repeated_in_the_file_is_reported_as_duplicate() -> None:
    rows = register_rows(3)
    rows[2]["phone"] = "+91 " + rows[0]["phone"]
    checked = read_and_check("students.csv", csv_bytes(rows), TODAY)
    assert [(d.line, d.duplicate_of_line) for d in checked.duplicates] == [(4, 2)]
    assert checked.bad_lines == {4}


def test_xlsx_with_numeric_phones_and_real_dates_reads_like_csv() -> None:
    rows: list[dict[str, object]] = [
        {"name": "Anil Rao", "phone": 9876501234, "date_of_birth": date(1999, 2, 3)},
        {"name": "Meena Iyer", "phone": 9876501235, "gender": "Female"},
    ]
    checked = read_and_check("register.xlsx", xlsx_bytes(rows), TODAY)
    assert checked.errors == []
    assert [r.values["phone"] for r in checked.good] == ["+919876501234", "+919876501235"]
    assert checked.good[0].values["date_of_birth"] == date(1999, 2, 3)
    assert checked.good[1].values["gender"] == "female"


def test_unknown_or_missing_columns_reject_the_whole_file() -> None:
    with pytest.raises(ImportRejected) as unknown:
        read_and_check("s.csv", b"name,phone,shoe_size\nA,9876543210,9\n", TODAY)
    assert "shoe_size" in unknown.value.errors[0].message
    with pytest.raises(ImportRejected) as missing:
        read_and_check("s.csv", b"name,email\nA,a@example.com\n", TODAY)
    assert any("phone" in e.message for e in missing.value.errors)


def test_a_quoted_cell_spanning_lines_keeps_later_line_numbers_true() -> None:
    data = b'name,phone,notes\nA,9876543210,"two\nlines"\nB,123,\n'
    checked = read_and_check("s.csv", data, TODAY)
    assert checked.bad_lines == {4}


def test_old_xls_and_garbage_are_refused_with_a_reason() -> None:
    with pytest.raises(ImportRejected, match="xlsx"):
        read_and_check("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, TODAY)
    with pytest.raises(ImportRejected):
        read_and_check("broken.xlsx", b"PK\x03\x04 not a zip", TODAY)
    with pytest.raises(ImportRejected, match="empty"):
        read_and_check("empty.csv", b"\n\n", TODAY)


def test_more_than_ten_thousand_rows_is_refused() -> None:
    body = "name,phone\n" + "A,9876543210\n" * 10_001
    with pytest.raises(ImportRejected) as exc:
        read_and_check("big.csv", body.encode(), TODAY)
    assert exc.value.code == "too_many_rows"


def test_exported_formula_guard_is_undone_on_import() -> None:
    data = b"name,phone\n'=Ravi,9876543210\n"
    checked = read_and_check("s.csv", data, TODAY)
    assert checked.good[0].values["name"] == "=Ravi"
