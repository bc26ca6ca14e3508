"""Import of a student register from CSV or Excel (.xlsx): dry run, all-or-nothing, skip bad rows.

The file is read in a limited child process (`kit.sandbox`, `kit.spreadsheets`:
archive sizes, compression ratio and every row index checked before the rows
are kept); checking the rows is plain CPU work and runs in a worker thread;
the database part (duplicates against existing students, numbering, the plan
limit and one batched insert) runs in the request's unit of work, so a commit
imports every good row or nothing.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit, spreadsheets
from studyspot.kit.entitlements import check_limit
from studyspot.kit.errors import AppError, FieldProblem
from studyspot.kit.models import utcnow
from studyspot.kit.sandbox import Sandbox, SandboxLimitExceeded
from studyspot.kit.schemas import WriteModel
from studyspot.kit.spreadsheets import SheetLimits, SheetRejected
from studyspot.services.student.access import Viewer
from studyspot.services.student.consent import CHANNELS, forward_consent
from studyspot.services.student.errors import (
    ImportRejected,
    ImportTooComplex,
    PhoneTaken,
)
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
    GuardianEmail,
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

_DEFAULT_LIMITS = SheetLimits()

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
    "guardian_email",
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
    "guardian_email_address": "guardian_email",
    "parent_email": "guardian_email",
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
    guardian_email: GuardianEmail | None = None
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
    # The file has a column of message consent (WhatsApp, SMS, e-mail) to forward.
    has_channel_consent: bool = False

    @property
    def bad_lines(self) -> set[int]:
        return {e.line for e in self.errors}


# --- reading the file -------------------------------------------------------------


def _rejected(exc: SheetRejected) -> ImportRejected:
    if exc.code is None:
        return ImportRejected(exc.detail)
    return ImportRejected(exc.detail, status=exc.status, code=exc.code)


def split_table(
    rows: list[tuple[int, list[str]]],
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (normalised column names) and the data rows after it."""
    if not rows:
        raise ImportRejected("The file is empty; the first row must name the columns")
    return _header(rows[0][1]), rows[1:]


def read_table(
    filename: str, data: bytes, limits: SheetLimits = _DEFAULT_LIMITS
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read in this process: for files already known to be small (tests, tools)."""
    try:
        rows = spreadsheets.read_rows(filename, data, limits)
    except SheetRejected as exc:
        raise _rejected(exc) from exc
    return split_table(rows)


@dataclass(frozen=True)
class RegisterReader:
    """Reads uploads in limited child processes (kit.sandbox): a hostile file costs the
    service neither its event loop nor its memory, and its reader dies with the request."""

    limits: SheetLimits
    sandbox: Sandbox

    async def read(
        self, filename: str, data: bytes
    ) -> tuple[list[str], list[tuple[int, list[str]]]]:
        try:
            output = await self.sandbox.run(
                spreadsheets.sandbox_argument(filename, self.limits), data
            )
            rows = spreadsheets.sandbox_answer(output)
        except SheetRejected as exc:
            raise _rejected(exc) from exc
        except SandboxLimitExceeded as exc:
            raise ImportTooComplex(
                f"The file could not be read within the service's limits ({exc.detail}); "
                "save it again as CSV or split it"
            ) from exc
        return split_table(rows)


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
        total_rows=len(rows),
        good=[],
        has_consent=any(c in header for c in CONSENT_COLUMNS),
        has_channel_consent=any(c in header for c in CONSENT_COLUMNS[:3]),
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


def read_and_check(
    filename: str, data: bytes, today: date, limits: SheetLimits = _DEFAULT_LIMITS
) -> CheckedFile:
    header, rows = read_table(filename, data, limits)
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
    limit = await upstream.entitlements(viewer.tenant_id)
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
        check_limit(limit, "students", await repo.count_live(), len(good))
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
    channels = {f"consent_{c}": c for c in CHANNELS}
    rows = [
        {
            **{k: v for k, v in row.values.items() if k not in channels},
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
    if checked.has_channel_consent:
        # Forwarded to the message service, which alone keeps message consent.
        await forward_consent(
            session,
            viewer,
            [
                (r["id"], {c: bool(row.values.get(k, False)) for k, c in channels.items()})
                for r, row in zip(rows, good, strict=True)
            ],
            now,
        )
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
