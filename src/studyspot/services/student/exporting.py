"""Streaming CSV export of the register, in batches from a server-side cursor.

The rows are read in their own unit of work inside the response body, because
the request's unit of work has ended by the time the body streams.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from studyspot.kit.db import Database, unit_of_work
from studyspot.services.student.access import Viewer
from studyspot.services.student.id_proofs import mask_id_proof
from studyspot.services.student.models import Student
from studyspot.services.student.repository import StudentFilter, StudentRepository

BATCH = 1000
# Import columns come first, so an exported file can be imported elsewhere as it is.
COLUMNS = (
    "enrollment_number",
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
    "consent_data_processing",
    "home_library_id",
    "id",
    "created_at",
)
_FREE_TEXT = frozenset(
    {"name", "email", "address", "guardian_name", "guardian_email", "notes", "photo_url"}
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    # A spreadsheet would run "=HYPERLINK(...)" typed into a name as a formula.
    if column in _FREE_TEXT and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _row(student: Student, reveal_id_proof: bool) -> list[str]:
    cells = []
    for column in COLUMNS:
        value = getattr(student, column)
        if column == "id_proof_number" and not reveal_id_proof:
            value = mask_id_proof(value)
        cells.append(_cell(column, value))
    return cells


async def csv_chunks(db: Database, viewer: Viewer, flt: StudentFilter) -> AsyncIterator[bytes]:
    """The header, then one chunk per batch of rows; `viewer` must have been checked already."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> bytes:
        data = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(COLUMNS)
    yield take()
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        query = (
            StudentRepository(session, viewer.tenant_id)
            .filtered(flt, viewer.narrowed(flt.library_id))
            .order_by(Student.enrollment_seq)
            .execution_options(yield_per=BATCH)
        )
        result = await session.stream_scalars(query)
        async for partition in result.partitions(BATCH):
            for student in partition:
                writer.writerow(_row(student, viewer.is_owner))
            yield take()
