"""`/api/v1/analytics`: a library's KPIs, dues ageing, cohorts, check-in heatmap and
students at risk, as JSON or (`?format=csv`) as CSV with a header row."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import Unprocessable, problem_responses
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import MAX_PAGE_SIZE, Paging
from studyspot.services.analytics import kpis, platform
from studyspot.services.analytics.access import (
    AnalyticsViewer,
    Library,
    PlatformViewer,
    Viewer,
    runtime_of,
)
from studyspot.services.analytics.schemas import (
    AtRiskReport,
    CohortReport,
    DueItem,
    DuesReport,
    HeatmapReport,
    KpiReport,
    MonthRow,
    PlatformReport,
)

T = TypeVar("T")

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

MAX_MONTHS = 24
MAX_HEATMAP_DAYS = 366
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)

Format = Annotated[
    Literal["json", "csv"], Query(description="`csv`: the report's table as text/csv")
]
FromMonth = Annotated[
    str | None,
    Query(alias="from", pattern=MONTH, description="First month `YYYY-MM` (default: `to`)"),
]
ToMonth = Annotated[
    str | None,
    Query(
        alias="to",
        pattern=MONTH,
        description=f"Last month (default: `from`, or this month); at most {MAX_MONTHS} months",
    ),
]
OnDay = Annotated[
    date | None, Query(description="Local date (default today in the library's time zone)")
]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {}}, "description": "JSON or CSV"}
}
ERRORS = problem_responses(401, 403, 404, 422)


def _bad(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": f"query.{field}", "message": message}])


def _today(library: Library) -> date:
    return utcnow().astimezone(library.timezone).date()


def _month_range(library: Library, first: str | None, last: str | None) -> tuple[date, date]:
    return _months(kpis.month_start(_today(library)), first, last)


def _months(this: date, first: str | None, last: str | None) -> tuple[date, date]:
    lo = date(int(first[:4]), int(first[5:]), 1) if first else None
    hi = date(int(last[:4]), int(last[5:]), 1) if last else None
    # One month when only one end is given; this month when neither is.
    lo = lo or hi or this
    hi = hi or lo
    if hi < lo:
        raise _bad("to", "`to` is a month on or after `from`")
    if lo < EARLIEST or hi > LATEST:
        raise _bad("from", "months between 2000-01 and 2100-12")
    if len(kpis.months(lo, hi)) > MAX_MONTHS:
        raise _bad("to", f"at most {MAX_MONTHS} months from `from`")
    return lo, hi


def _day(field: str, value: date | None, library: Library) -> date:
    value = value or _today(library)
    if not EARLIEST <= value <= LATEST:
        raise _bad(field, "a date between 2000-01-01 and 2100-12-31")
    return value


def _csv(name: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return " ".join("" if v is None else str(v) for v in value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _fresh(library: Library, as_of: datetime | None) -> dict[str, Any]:
    return {"as_of": as_of, "library_id": library.id, "timezone": library.timezone.key}


async def _read(
    viewer: Viewer, compute: Callable[[AsyncSession], Awaitable[T]]
) -> tuple[datetime | None, T]:
    """`as_of` and the report, read in one snapshot of the tenant's read models."""
    db = await viewer.database()
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        return await kpis.as_of(session, viewer.tenant_id), await compute(session)


@router.get(
    "/libraries/{library_id}/kpis",
    response_model=KpiReport,
    responses={**CSV_RESPONSE, **ERRORS},
    summary=f"Monthly KPIs of a library, whole and per shift (at most {MAX_MONTHS} months)",
)
async def library_kpis(
    library_id: uuid.UUID,
    viewer: AnalyticsViewer,
    first: FromMonth = None,
    last: ToMonth = None,
    format: Format = "json",
) -> Any:
    library = await viewer.library(library_id)
    lo, hi = _month_range(library, first, last)
    as_of, rows = await _read(viewer, lambda s: kpis.monthly(s, viewer.tenant_id, library, lo, hi))
    if format == "csv":
        columns = list(MonthRow.model_fields)
        return _csv(f"kpis-{kpis.month_key(lo)}-{kpis.month_key(hi)}", rows, columns)
    return KpiReport(
        **_fresh(library, as_of),
        from_month=kpis.month_key(lo),
        to_month=kpis.month_key(hi),
        active_seats=library.active_seats,
        rows=rows,
    )


@router.get(
    "/libraries/{library_id}/dues",
    response_model=DuesReport,
    responses={**CSV_RESPONSE, **ERRORS},
    summary="Open dues of a library by age (0-7, 8-15, 16-30, 31+ days since the start)",
    description="The buckets total every open due; `items` is one page of them, oldest first "
    f"(`page_size` at most {MAX_PAGE_SIZE}). The CSV export (`format=csv`) lists every open "
    "due and ignores `page` and `page_size`.",
)
async def library_dues(
    library_id: uuid.UUID,
    viewer: AnalyticsViewer,
    paging: Paging,
    on: OnDay = None,
    format: Format = "json",
) -> Any:
    library = await viewer.library(library_id)
    day = _day("on", on, library)
    tid = viewer.tenant_id
    if format == "csv":
        _, items = await _read(viewer, lambda s: kpis.dues_items(s, tid, library, day))
        return _csv(f"dues-{day.isoformat()}", items, list(DueItem.model_fields))

    async def report(session: AsyncSession) -> tuple[list[dict[str, object]], list[Any]]:
        buckets = await kpis.dues_buckets(session, tid, library, day)
        page = await kpis.dues_items(session, tid, library, day, paging.offset, paging.page_size)
        return buckets, page

    as_of, (buckets, items) = await _read(viewer, report)
    return DuesReport(
        **_fresh(library, as_of),
        on=day,
        buckets=buckets,
        items=items,
        total=sum(int(str(b["bookings"])) for b in buckets),
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/libraries/{library_id}/cohorts",
    response_model=CohortReport,
    responses={**CSV_RESPONSE, **ERRORS},
    summary="Retention of students by the month of their first payment",
)
async def library_cohorts(
    library_id: uuid.UUID,
    viewer: AnalyticsViewer,
    first: FromMonth = None,
    last: ToMonth = None,
    format: Format = "json",
) -> Any:
    library = await viewer.library(library_id)
    lo, hi = _month_range(library, first, last)
    as_of, found = await _read(viewer, lambda s: kpis.cohorts(s, viewer.tenant_id, library, lo, hi))
    if format == "csv":
        return _csv("cohorts", found, ["cohort", "students", "retained", "retention"])
    return CohortReport(
        **_fresh(library, as_of),
        from_month=kpis.month_key(lo),
        to_month=kpis.month_key(hi),
        cohorts=found,
    )


@router.get(
    "/libraries/{library_id}/heatmap",
    response_model=HeatmapReport,
    responses={**CSV_RESPONSE, **ERRORS},
    summary=f"Check-ins by local weekday and hour (at most {MAX_HEATMAP_DAYS} days)",
)
async def library_heatmap(
    library_id: uuid.UUID,
    viewer: AnalyticsViewer,
    first: Annotated[
        date | None, Query(alias="from", description="default: 27 days before `to`")
    ] = None,
    last: Annotated[date | None, Query(alias="to", description="default: today (local)")] = None,
    format: Format = "json",
) -> Any:
    library = await viewer.library(library_id)
    hi = _day("to", last, library)
    lo = _day("from", first or hi - timedelta(days=27), library)
    if not lo <= hi <= lo + timedelta(days=MAX_HEATMAP_DAYS - 1):
        raise _bad("to", f"`to` is on or after `from` and at most {MAX_HEATMAP_DAYS} days on")
    as_of, cells = await _read(viewer, lambda s: kpis.heatmap(s, viewer.tenant_id, library, lo, hi))
    if format == "csv":
        return _csv(
            f"heatmap-{lo.isoformat()}-{hi.isoformat()}", cells, ["weekday", "hour", "check_ins"]
        )
    return HeatmapReport(**_fresh(library, as_of), from_date=lo, to_date=hi, cells=cells)


@router.get(
    "/libraries/{library_id}/at-risk",
    response_model=AtRiskReport,
    responses={**CSV_RESPONSE, **ERRORS},
    summary="Students whose check-ins dropped before their booking ends (not renewed)",
)
async def library_at_risk(
    library_id: uuid.UUID, viewer: AnalyticsViewer, on: OnDay = None, format: Format = "json"
) -> Any:
    library = await viewer.library(library_id)
    day = _day("on", on, library)
    as_of, items = await _read(viewer, lambda s: kpis.at_risk(s, viewer.tenant_id, library, day))
    if format == "csv":
        columns = ["student_id", "booking_id", "end_date", "recent_check_ins", "previous_check_ins"]
        return _csv(f"at-risk-{day.isoformat()}", items, columns)
    return AtRiskReport(
        **_fresh(library, as_of),
        on=day,
        window_days=kpis.AT_RISK_WINDOW_DAYS,
        items=items,
    )


def _platform_months(first: str | None, last: str | None) -> tuple[date, date]:
    this = kpis.month_start(utcnow().astimezone(platform.INDIA).date())
    return _months(this, first, last)


@router.get(
    "/platform",
    response_model=PlatformReport,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
    summary="Platform KPIs for its admins and staff: tenants, bookings, billing, collections, "
    "seats, MRR, message credits",
)
async def platform_kpis(
    request: Request,
    principal: PlatformViewer,
    first: FromMonth = None,
    last: ToMonth = None,
    format: Format = "json",
) -> Any:
    lo, hi = _platform_months(first, last)
    found = await platform.platform(runtime_of(request.app).kit, lo, hi)
    if format == "csv":
        columns = ["month", "active_tenants", "active_libraries", "bookings"]
        columns += ["billed_paise", "collected_paise", "active_seats", "mrr_paise"]
        columns += ["message_credits_used"]
        return _csv(f"platform-{kpis.month_key(lo)}-{kpis.month_key(hi)}", found.months, columns)
    return PlatformReport(
        as_of=found.as_of,
        from_month=kpis.month_key(lo),
        to_month=kpis.month_key(hi),
        tenants_by_status=found.tenants_by_status,
        months=found.months,
        top_tenants=found.top_tenants,
    )
