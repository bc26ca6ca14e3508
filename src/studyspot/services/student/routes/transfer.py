"""`/api/v1/students/import` and `/export`: moving a register in and out as files."""

from __future__ import annotations

import uuid
from typing import Annotated

import anyio
from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import AppError, problem_responses
from studyspot.kit.state import kit_state
from studyspot.services.student import exporting, importing
from studyspot.services.student.config import StudentSettings
from studyspot.services.student.dependencies import (
    RegisterReaderDep,
    StudentsExport,
    StudentsImport,
    UpstreamDep,
)
from studyspot.services.student.repository import StudentFilter
from studyspot.services.student.schemas import ImportReport, StudentStatus
from studyspot.services.student.service import today_in_india

router = APIRouter(prefix="/api/v1/students", tags=["students"])


_LIMITS = StudentSettings()


@router.post(
    "/import",
    response_model=ImportReport,
    responses=problem_responses(400, 403, 413, 422, 503),
    summary="Import students from CSV or .xlsx (dry run, all-or-nothing, or skip bad rows)",
    description=(
        "The first row names the columns: "
        + ", ".join(importing.COLUMNS)
        + ". Dates are YYYY-MM-DD or DD/MM/YYYY. "
        "Every imported student joins `library_id`. `consent_whatsapp`, `consent_sms` and "
        "`consent_email` are not stored here: when the file has any of them, each imported "
        "student's answers are forwarded to the message service as consent to reminders "
        "on that channel (an empty cell is no). A commit with bad rows imports nothing "
        "(422 `import_has_errors`) unless `skip_invalid=true`; phones already registered or "
        "repeated in the file are reported in `duplicates` and count as bad rows.\n\n"
        "Limits (defaults; each a `STUDENT_IMPORT_*` setting), each refused before any row "
        "is kept, with a problem naming the limit: "
        f"the upload at most {_LIMITS.import_max_upload_bytes} bytes "
        "(413 `file_too_large`); an .xlsx inflating to at most "
        f"{_LIMITS.import_max_uncompressed_bytes} bytes, which also bounds the text its "
        "cells expand to (413 `uncompressed_too_large`), and compressed at most "
        f"{_LIMITS.import_max_compression_ratio} to 1 (422 `compression_ratio_too_high`); "
        f"at most {_LIMITS.import_max_rows} rows after the header, every row index "
        "counted, empty rows and gaps included (422 `too_many_rows`); the file is read "
        f"within {_LIMITS.import_parse_seconds} s and "
        f"{_LIMITS.import_parse_memory_bytes // (1024 * 1024)} MiB (422 `import_too_complex`). "
        "A workbook of more than 1000 parts: 422 `too_many_parts`. "
        "A file that is not CSV or .xlsx, or is corrupt: 422 `invalid_import_file`."
    ),
)
async def import_students(
    viewer: StudentsImport,
    session: TenantSession,
    upstream: UpstreamDep,
    reader: RegisterReaderDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8) or .xlsx")],
    library_id: Annotated[uuid.UUID, Query(description="Home library of every imported student")],
    dry_run: Annotated[bool, Query(description="Check and report only")] = False,
    skip_invalid: Annotated[bool, Query(description="Import the good rows, skip bad ones")] = False,
) -> ImportReport:
    viewer.require_staff_side()
    viewer.require_library(library_id)
    limit = reader.limits.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise AppError(f"The file is larger than {limit} bytes", status=413, code="file_too_large")
    await upstream.check_home_library(viewer.tenant_id, library_id, field="query.library_id")
    header, rows = await reader.read(file.filename or "", data)
    checked = await anyio.to_thread.run_sync(importing.check_rows, header, rows, today_in_india())
    return await importing.import_students(
        session,
        viewer,
        upstream,
        library_id=library_id,
        checked=checked,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **problem_responses(403, 503),
    },
    summary="Export students as CSV (streamed)",
)
async def export_students(
    request: Request,
    viewer: StudentsExport,
    upstream: UpstreamDep,
    library_id: Annotated[uuid.UUID | None, Query()] = None,
    status: StudentStatus | None = None,
) -> StreamingResponse:
    viewer.require_staff_side()
    flt = StudentFilter(library_id=library_id, status=status.value if status else None)
    # Checked now: once the body streams, a refusal can no longer be a 403.
    viewer.narrowed(library_id)
    # And whether the message service answers (503 now, not a download cut short).
    await upstream.reminder_consents(viewer.tenant_id, [])
    db = await kit_state(request.app).tenants.get(viewer.principal.db_key)
    return StreamingResponse(
        exporting.csv_chunks(db, viewer, flt, upstream),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="students.csv"'},
    )
