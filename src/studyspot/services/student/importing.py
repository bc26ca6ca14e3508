"""Import of a student register from CSV or Excel (.xlsx): dry run, all-or-nothing, skip bad rows.

Reading and checking the file is plain CPU work and runs in a worker thread;
the database part (duplicates against existing students, numbering, the plan
limit and one batched insert) runs in the request's unit of work, so a commit
imports every good row or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.errors import AppError, FieldProblem
from studyspot.kit.models import utcnow
from studyspot.kit.schemas import WriteModel
from studyspot.services.student.access import Viewer
from studyspot.services.student.errors import ImportRejected, PhoneTaken, PlanLimitReached
from studyspot.services.student.id_proofs import IdProofType
from studyspot.services.student.repository import StudentRepository, enrollment_number
from studyspot.services.student.rules import check_student
from studyspot.services.student.schemas import (
    Address,
    AdmissionDate,
    BirthDate,
    DuplicatePhone,
    Email,
    Gender,
    ImportReport,
    Notes,
    PersonName,
    Phone,
    PhotoUrl,
    RowError,
    StudentStatus,
)
from studyspot.services.student.search_terms import terms_for
from studyspot.services.student.service import column_value, enforce_plan_limit

if TYPE_CHECKING:
    from studyspot.services.student.upstream import Upstream

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
_MAX_COLUMNS = 40

CONSENT_COLUMNS = ("consent_whatsapp", "consent_sms", "consent_email", "consent_data_processing")
COLUMNS = (
    "name",
    "phone",
    "email",
    "date_of_birth",
    "gender",
    "address",
    "id_proof_type",
    "id_proof_number",
    "photo_url",
    "guardian_name",
    "guardian_phone",
    "status",
    "admission_date",
    "notes",
    *CONSENT_COLUMNS,
)
REQUIRED_COLUMNS = ("name", "phone")
# Columns of our own export that an import reads past, so an exported file imports as it is.
IGNORED_COLUMNS = ("enrollment_number", "home_library_id", "id", "created_at")
# Headers people actually write in their registers.
_ALIASES = {
    "student_name": "name",
    "full_name": "name",
    "mobile": "phone",
    "mobile_number": "phone",
    "phone_number": "phone",
    "dob": "date_of_birth",
    "email_address": "email",
    "guardian_mobile": "guardian_phone",
    "id_type": "id_proof_type",
    "id_number": "id_proof_number",
}
_ENUM_COLUMNS = ("gender", "status", "id_proof_type")
_DATE_COLUMNS = ("date_of_birth", "admission_date")
# Indian registers write dates day first.
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
# Export prefixes these with an apostrophe so spreadsheets do not run them as formulas.
_FORMULA_START = ("=", "+", "-", "@")


class ImportRow(WriteModel):
    name: PersonName
    phone: Phone
    email: Email | None = None
    date_of_birth: BirthDate | None = None
    gender: Gender | None = None
    address: Address | None = None
    id_proof_type: IdProofType | None = None
    id_proof_number: str | None = None
    photo_url: PhotoUrl | None = None
    guardian_name: PersonName | None = None
    guardian_phone: Phone | None = None
    status: StudentStatus = StudentStatus.active
    admission_date: AdmissionDate | None = None
    notes: Notes | None = None
    consent_whatsapp: bool = False
    consent_sms: bool = False
    consent_email: bool = False
    consent_data_processing: bool = False


@dataclass
class GoodRow:
    line: int
    values: dict[str, Any]


@dataclass
class CheckedFile:
    total_rows: int
    good: list[GoodRow]
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[DuplicatePhone] = field(default_factory=list)
    has_consent: bool = False

    @property
    def bad_lines(self) -> set[int]:
        return {e.line for e in self.errors}


# --- reading the file -------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        # Excel keeps phone numbers typed as numbers as floats.
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected("The file is not a readable .xlsx workbook") from exc
    try:
        sheet = book.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True, max_col=_MAX_COLUMNS), 1):
            yield line, [_cell(v) for v in row]
    finally:
        book.close()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # "CSV (Comma delimited)" from Excel on Windows is cp1252, not UTF-8.
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ImportRejected("The CSV file must be UTF-8 encoded") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    ended = 0
    try:
        for row in reader:
            # The line a record starts on, even when a quoted cell spans lines.
            yield ended + 1, row[:_MAX_COLUMNS]
            ended = reader.line_num
    except csv.Error as exc:
        raise ImportRejected(f"The CSV file is malformed near line {ended + 1}") from exc


def read_table(filename: str, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (normalised column names) and the non-empty data rows with their line numbers."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRejected("Old .xls workbooks are not supported; save the sheet as .xlsx or CSV")
    is_xlsx = data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx")
    rows = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    header: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _header(cells)
            continue
        body.append((line, cells))
        if len(body) > MAX_ROWS:
            raise ImportRejected(
                f"A file may hold at most {MAX_ROWS} students; split it", code="too_many_rows"
            )
    if header is None:
        raise ImportRejected("The file is empty; the first row must name the columns")
    return header, body


def _header(cells: list[str]) -> list[str]:
    names = []
    for cell in cells:
        key = re.sub(r"[\s\-]+", "_", cell.strip().lower())
        names.append(_ALIASES.get(key, key))
    while names and names[-1] == "":
        names.pop()
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for position, name in enumerate(names, 1):
        if name in IGNORED_COLUMNS:
            continue
        if name not in COLUMNS:
            problems.append(
                FieldProblem(field=f"header.{position}", message=f"unknown column {name!r}")
            )
        elif name in seen:
            problems.append(FieldProblem(field=f"header.{position}", message=f"{name} twice"))
        seen.add(name)
    problems += [
        FieldProblem(field="header", message=f"missing required column {name!r}")
        for name in REQUIRED_COLUMNS
        if name not in seen
    ]
    if problems:
        raise ImportRejected(
            f"The header row is not valid; the columns are: {', '.join(COLUMNS)}",
            errors=problems,
        )
    return names


# --- checking rows ----------------------------------------------------------------


def _clean(column: str, raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if value.startswith("'") and value[1:2] in _FORMULA_START:
        value = value[1:]
    if column in _ENUM_COLUMNS:
        return re.sub(r"[\s\-]+", "_", value.lower())
    if column in _DATE_COLUMNS:
        match = _DAY_FIRST.fullmatch(value)
        if match:
            day, month, year = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return value


def check_rows(header: list[str], rows: list[tuple[int, list[str]]], today: date) -> CheckedFile:
    """Validate every row like a create would, and find phones repeated inside the file."""
    checked = CheckedFile(
        total_rows=len(rows), good=[], has_consent=any(c in header for c in CONSENT_COLUMNS)
    )
    first_line_of_phone: dict[str, int] = {}
    for line, cells in rows:
        raw = {
            column: cleaned
            for column, cell in zip(header, cells, strict=False)
            if column in COLUMNS and (cleaned := _clean(column, cell)) is not None
        }
        try:
            row = ImportRow.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else "row"
                reason = "required" if err["type"] == "missing" else str(err["msg"])
                checked.errors.append(
                    RowError(line=line, field=column, reason=reason.removeprefix("Value error, "))
                )
            continue
        values = {name: column_value(getattr(row, name)) for name in COLUMNS}
        values["admission_date"] = values["admission_date"] or today
        problems = check_student(values, today, prefix="")
        if problems:
            checked.errors += [
                RowError(line=line, field=p.field, reason=p.message) for p in problems
            ]
            continue
        earlier = first_line_of_phone.get(values["phone"])
        if earlier is not None:
            checked.duplicates.append(
                DuplicatePhone(
                    line=line,
                    phone=values["phone"],
                    duplicate_of_line=earlier,
                    existing_enrollment_number=None,
                )
            )
            checked.errors.append(
                RowError(line=line, field="phone", reason=f"same phone as line {earlier}")
            )
            continue
        first_line_of_phone[values["phone"]] = line
        checked.good.append(GoodRow(line, values))
    return checked


def read_and_check(filename: str, data: bytes, today: date) -> CheckedFile:
    header, rows = read_table(filename, data)
    return check_rows(header, rows, today)


# --- the database part ------------------------------------------------------------


class ImportHasErrors(AppError):
    status, code = 422, "import_has_errors"


async def import_students(
    session: AsyncSession,
    viewer: Viewer,
    upstream: Upstream,
    *,
    library_id: uuid.UUID,
    checked: CheckedFile,
    dry_run: bool,
    skip_invalid: bool,
) -> ImportReport:
    limit = await upstream.max_students(viewer.tenant_id)
    repo = StudentRepository(session, viewer.tenant_id)
    taken = await repo.phones_in_use(row.values["phone"] for row in checked.good)
    good: list[GoodRow] = []
    for row in checked.good:
        existing = taken.get(row.values["phone"])
        if existing is None:
            good.append(row)
            continue
        checked.duplicates.append(
            DuplicatePhone(
                line=row.line,
                phone=row.values["phone"],
                duplicate_of_line=None,
                existing_enrollment_number=existing,
            )
        )
        checked.errors.append(
            RowError(line=row.line, field="phone", reason=f"already registered as {existing}")
        )
    checked.errors.sort(key=lambda e: e.line)
    checked.duplicates.sort(key=lambda d: d.line)

    def report(imported: int) -> ImportReport:
        return ImportReport(
            dry_run=dry_run,
            total_rows=checked.total_rows,
            valid_rows=len(good),
            imported=imported,
            errors=checked.errors,
            duplicates=checked.duplicates,
        )

    if dry_run:
        if await repo.count_live() + len(good) > limit:
            raise PlanLimitReached(f"Importing {len(good)} students would pass your plan's {limit}")
        return report(0)
    if checked.errors and not skip_invalid:
        raise ImportHasErrors(
            f"{len(checked.bad_lines)} rows are not valid; nothing was imported "
            "(fix them, or import with skip_invalid=true)",
            errors=[
                FieldProblem(field=f"line.{e.line}.{e.field}", message=e.reason)
                for e in checked.errors
            ],
        )
    if not good:
        return report(0)

    first = await repo.reserve_numbers(len(good))
    await enforce_plan_limit(repo, limit, len(good))
    now = utcnow()
    consent: dict[str, Any] = {}
    if checked.has_consent:
        consent = {
            "consent_recorded_at": now,
            "consent_recorded_by": viewer.user_id,
            "consent_recorded_by_type": viewer.principal.user_type,
        }
    rows = [
        {
            **row.values,
            **consent,
            "id": uuid.uuid4(),
            "home_library_id": library_id,
            "enrollment_seq": first + offset,
            "enrollment_number": enrollment_number(first + offset),
            "created_by": viewer.user_id,
            "created_at": now,
            "updated_at": now,
        }
        for offset, row in enumerate(good)
    ]
    try:
        await repo.insert_many(rows)
    except IntegrityError as exc:
        raise PhoneTaken() from exc
    await repo.insert_terms({r["id"]: terms_for(r["name"], r["phone"]) for r in rows})
    added: Counter[tuple[uuid.UUID, str]] = Counter((library_id, r["status"]) for r in rows)
    await repo.add_counts(dict(added))
    await audit.record(
        session,
        "student.imported",
        "student",
        None,
        tenant_id=viewer.tenant_id,
        actor_id=viewer.user_id,
        actor_type=viewer.principal.user_type,
        details={
            "imported": len(rows),
            "skipped": len(checked.bad_lines),
            "library_id": str(library_id),
        },
    )
    return report(len(rows))
