"""Streaming CSV export of the register, in batches of BATCH students.

Each batch is read in its own short unit of work inside the response body (the
request's unit of work has ended by the time the body streams), by keyset on the
enrollment sequence; then, with no transaction open, the message service is asked
the batch's message consent per channel (it alone keeps it).
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
from studyspot.services.student.upstream import MAX_CONSENT_LOOKUP, StudentChannels, Upstream

BATCH = MAX_CONSENT_LOOKUP
# The reminders consent per channel, named as the import reads them (an exported file
# imports as it is); empty where the student never answered.
CONSENT_COLUMNS = ("consent_whatsapp", "consent_sms", "consent_email")
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
    *CONSENT_COLUMNS,
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


def _row(student: Student, consent: StudentChannels | None, reveal_id_proof: bool) -> list[str]:
    cells = []
    for column in COLUMNS:
        if column in CONSENT_COLUMNS:
            value = None if consent is None else getattr(consent, column.removeprefix("consent_"))
        else:
            value = getattr(student, column)
        if column == "id_proof_number" and not reveal_id_proof:
            value = mask_id_proof(value)
        cells.append(_cell(column, value))
    return cells


async def csv_chunks(
    db: Database, viewer: Viewer, flt: StudentFilter, upstream: Upstream
) -> AsyncIterator[bytes]:
    """The header, then one chunk per batch of rows; `viewer` must have been checked already.
    A message service that stops answering mid-way ends the download short (the status
    line has gone), so the route asks it once before the body starts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> bytes:
        data = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(COLUMNS)
    yield take()
    after: int | None = None
    while True:
        async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
            query = StudentRepository(session, viewer.tenant_id).filtered(
                flt, viewer.narrowed(flt.library_id)
            )
            if after is not None:
                query = query.where(Student.enrollment_seq > after)
            batch = list(await session.scalars(query.order_by(Student.enrollment_seq).limit(BATCH)))
        if not batch:
            return
        consents = await upstream.reminder_consents(viewer.tenant_id, [s.id for s in batch])
        for student in batch:
            writer.writerow(_row(student, consents.get(student.id), viewer.is_owner))
        yield take()
        if len(batch) < BATCH:
            return
        after = batch[-1].enrollment_seq
