"""`/api/attendance/*`: the door, the student's check-in page, the desk and the owner.

Handlers are thin: each names who may call it and calls one function.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import Unprocessable, problem_responses
from studyspot.kit.pagination import Paging
from studyspot.services.attendance import check_ins, desk, devices, history, settings_api
from studyspot.services.attendance.client import AttendanceHistory
from studyspot.services.attendance.dependencies import (
    AttendanceDesk,
    AttendanceDeskRead,
    AttendanceManage,
    AttendanceRead,
    AttendanceSelf,
    RuntimeDep,
    StaffOrDisplay,
)
from studyspot.services.attendance.errors import LibraryNotFound
from studyspot.services.attendance.schemas import (
    MAX_EXPORT_DAYS,
    CodeIn,
    Correction,
    DeviceCreate,
    DeviceCreated,
    DeviceRead,
    DisplayCode,
    ManualCheck,
    Register,
    ScanBatch,
    ScanResult,
    SettingsRead,
    SettingsUpdate,
    StudentCode,
    Summary,
)
from studyspot.services.attendance.schemas import (
    AttendanceRead as AttendanceOut,
)

router = APIRouter(prefix="/api/attendance", tags=["attendance"])

CODE_PROBLEMS = (401, 403, 409, 410, 422, 503)


@router.get(
    "/libraries/{library_id}/display-code",
    responses=problem_responses(401, 403, 404),
    summary="The door's current code (staff, or that library's display device)",
)
async def display_code(
    library_id: uuid.UUID, who: StaffOrDisplay, runtime: RuntimeDep
) -> DisplayCode:
    """A code for this 30-second step, signed for this tenant and library, and the URL of
    the check-in page to put in the QR. Fetch again at `refresh_at`; a code is accepted
    until `expires_at` (one step of drift). A display device's key reads only its library."""
    return desk.display_code(runtime, who, library_id)


@router.post(
    "/check-in",
    status_code=201,
    responses=problem_responses(*CODE_PROBLEMS),
    summary="Check in with the door's code (the student from the token)",
)
async def check_in(body: CodeIn, viewer: AttendanceSelf, runtime: RuntimeDep) -> AttendanceOut:
    """Problems: `invalid_code` (403; forged or another tenant's), `code_expired` (410),
    `code_replayed` (409), `no_active_booking` (403), `outside_shift` (403),
    `already_checked_in` (409), `seat_released` (409: a no-show released the seat today)."""
    return await check_ins.check_in_at_door(runtime, viewer, body.code)


@router.post(
    "/check-out",
    responses=problem_responses(*CODE_PROBLEMS),
    summary="Check out with the door's code",
)
async def check_out(body: CodeIn, viewer: AttendanceSelf, runtime: RuntimeDep) -> AttendanceOut:
    """Problems: `invalid_code`, `code_expired`, `code_replayed`, `not_checked_in` (409)."""
    return await check_ins.check_out_at_door(runtime, viewer, body.code)


@router.get(
    "/my-code",
    responses=problem_responses(401, 403),
    summary="The student's own rotating code, for staff to scan when the door is down",
)
async def my_code(viewer: AttendanceSelf, runtime: RuntimeDep) -> StudentCode:
    return desk.student_code(runtime, viewer)


@router.post(
    "/scan",
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="Check in students by their scanned codes (live or an offline queue)",
)
async def scan(body: ScanBatch, viewer: AttendanceDesk, runtime: RuntimeDep) -> ScanResult:
    """At most 1,000 scans per upload, each at most 24 hours old. De-duplicated by
    (student, code step): uploading a queue twice checks nobody in twice. Each scan's
    outcome is reported; refused ones carry the problem code."""
    return await desk.scan(runtime, viewer, body)


@router.post(
    "/manual-check-in",
    status_code=201,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
    summary="Check a student in by hand, with a reason (audited)",
)
async def manual_check_in(
    body: ManualCheck, viewer: AttendanceDesk, runtime: RuntimeDep
) -> AttendanceOut:
    return await check_ins.manual_check_in(
        runtime, viewer, body.library_id, body.student_id, body.reason
    )


@router.post(
    "/manual-check-out",
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Check a student out by hand, with a reason (audited)",
)
async def manual_check_out(
    body: ManualCheck, viewer: AttendanceDesk, runtime: RuntimeDep
) -> AttendanceOut:
    return await check_ins.manual_check_out(
        runtime, viewer, body.library_id, body.student_id, body.reason
    )


@router.post(
    "/records/{record_id}/correct",
    responses=problem_responses(401, 403, 404, 422),
    summary="Correct a record's times, with a reason (audited with before and after)",
)
async def correct(
    record_id: uuid.UUID, body: Correction, viewer: AttendanceDesk, runtime: RuntimeDep
) -> AttendanceOut:
    return await desk.correct(runtime, viewer, record_id, body)


@router.get(
    "/libraries/{library_id}/register",
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="A day's register: every booking due, present, late, absent or checked out",
)
async def register(
    library_id: uuid.UUID,
    viewer: AttendanceDeskRead,
    runtime: RuntimeDep,
    day: Annotated[
        date | None,
        Query(alias="date", description="Local date; default today in the library's time zone"),
    ] = None,
    shift_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Register:
    day = day or await desk.library_today(runtime, viewer, library_id)
    return await desk.register(runtime, viewer, library_id, day, shift_id)


@router.get(
    "/libraries/{library_id}/summary",
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="A day's counts per shift (booked, present, late, checked out, absent, released)",
)
async def summary(
    library_id: uuid.UUID,
    viewer: AttendanceDeskRead,
    runtime: RuntimeDep,
    day: Annotated[
        date | None,
        Query(alias="date", description="Local date; default today in the library's time zone"),
    ] = None,
) -> Summary:
    day = day or await desk.library_today(runtime, viewer, library_id)
    return await desk.summary(runtime, viewer, library_id, day)


@router.get(
    "/libraries/{library_id}/export",
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV with a header row, streamed"},
        **problem_responses(401, 403, 404, 422),
    },
    response_class=StreamingResponse,
    summary=f"Attendance records of a library as CSV (at most {MAX_EXPORT_DAYS} days)",
)
async def export(
    library_id: uuid.UUID,
    viewer: AttendanceDeskRead,
    runtime: RuntimeDep,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
) -> StreamingResponse:
    viewer.require_library(library_id)
    if not first <= last <= first + timedelta(days=MAX_EXPORT_DAYS - 1):
        raise Unprocessable(
            f"`to` is on or after `from` and at most {MAX_EXPORT_DAYS} days on",
            errors=[{"field": "query.to", "message": "out of range"}],
        )
    db = await check_ins.database(runtime, viewer)
    name = f"attendance-{first.isoformat()}-{last.isoformat()}.csv"
    return StreamingResponse(
        history.export_rows(db, viewer.tenant_id, library_id, first, last),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/students/{student_id}",
    responses=problem_responses(401, 403, 404, 422),
    summary="A student's attendance and no-shows, newest first (a student may read its own)",
)
async def student_history(
    student_id: uuid.UUID, viewer: AttendanceRead, runtime: RuntimeDep, paging: Paging
) -> AttendanceHistory:
    """Staff see every student of the tenant here (the student service's
    `/api/v1/students/{id}/attendance` applies its branch rules); a student only itself."""
    if viewer.is_student and viewer.student_id != student_id:
        raise LibraryNotFound()
    db = await check_ins.database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        return await history.student_history(session, viewer.tenant_id, student_id, paging)


@router.get(
    "/libraries/{library_id}/settings",
    responses=problem_responses(401, 403, 404),
    summary="A library's check-in opening, late, no-show and check-out rules",
)
async def get_settings(
    library_id: uuid.UUID, viewer: AttendanceDeskRead, runtime: RuntimeDep
) -> SettingsRead:
    return await settings_api.read(runtime, viewer, library_id)


@router.put(
    "/libraries/{library_id}/settings",
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="Set a library's attendance rules (owner)",
)
async def put_settings(
    library_id: uuid.UUID, body: SettingsUpdate, viewer: AttendanceManage, runtime: RuntimeDep
) -> SettingsRead:
    return await settings_api.write(runtime, viewer, library_id, body)


@router.post(
    "/display-devices",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="Create a door display's key for one library (owner; the key is shown once)",
)
async def create_device(
    body: DeviceCreate, viewer: AttendanceManage, runtime: RuntimeDep
) -> DeviceCreated:
    await settings_api.require_existing_library(runtime, viewer, body.library_id)
    db = await check_ins.database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        return await devices.create(session, viewer, body)


@router.get(
    "/display-devices",
    responses=problem_responses(401, 403),
    summary="Display devices of the tenant (never their keys)",
)
async def list_devices(viewer: AttendanceManage, runtime: RuntimeDep) -> list[DeviceRead]:
    db = await check_ins.database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        return await devices.listing(session, viewer)


@router.post(
    "/display-devices/{device_id}/revoke",
    status_code=204,
    responses=problem_responses(401, 403, 404),
    summary="Revoke a display device's key (owner); its next request is refused",
)
async def revoke_device(
    device_id: uuid.UUID, viewer: AttendanceManage, runtime: RuntimeDep
) -> Response:
    db = await check_ins.database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        await devices.revoke(session, viewer, device_id)
    return Response(status_code=204)
