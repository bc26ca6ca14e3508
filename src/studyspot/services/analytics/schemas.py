"""Answers of the analytics service. Every one states `as_of`: when the last event
applied for the tenant happened (null before any)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from studyspot.kit.schemas import ReadModel

Ratio = float | None


class Fresh(ReadModel):
    as_of: datetime | None = Field(
        description="When the last event applied for this tenant happened; null before any"
    )
    library_id: uuid.UUID
    timezone: str = Field(description="The library's time zone; every day and month is local")


class MonthRow(ReadModel):
    month: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$")
    shift_id: uuid.UUID | None = Field(description="null: the whole library")
    shift_name: str | None
    available_seat_shifts: int = Field(ge=0, description="Active seats x days (x shifts)")
    booked_seat_shifts: int = Field(ge=0)
    attended_seat_shifts: int = Field(ge=0, description="Occurrences checked in to")
    no_shows: int = Field(ge=0)
    booked_occupancy: Ratio
    physical_occupancy: Ratio
    no_show_gap: Ratio = Field(description="booked_occupancy - physical_occupancy")
    billed_paise: int
    collected_of_billed_paise: int = Field(
        description="Captured - refunded, to date, of the bookings billed in the month"
    )
    collection_efficiency: Ratio
    collected_paise: int = Field(description="Captured - refunded on the month's local days")
    revenue_per_available_seat_shift_paise: int | None
    students: int = Field(ge=0, description="Distinct students billed in the month")
    arpu_paise: int | None
    bookings_ending: int = Field(ge=0)
    renewed: int = Field(ge=0)
    renewal_rate: Ratio
    churn_rate: Ratio


class KpiReport(Fresh):
    from_month: str
    to_month: str
    active_seats: int
    rows: list[MonthRow]


class DuesBucket(ReadModel):
    bucket: Literal["0-7", "8-15", "16-30", "31+"]
    bookings: int
    outstanding_paise: int


class DueItem(ReadModel):
    booking_id: uuid.UUID
    student_id: uuid.UUID | None
    start_date: date
    charged_paise: int
    paid_paise: int
    outstanding_paise: int
    days_outstanding: int
    bucket: Literal["0-7", "8-15", "16-30", "31+"]


class DuesReport(Fresh):
    on: date
    buckets: list[DuesBucket] = Field(description="Every open due, whatever the page")
    items: list[DueItem] = Field(description="This page of open dues, oldest first")
    total: int = Field(ge=0, description="Open dues in all (the buckets' bookings)")
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)


class Cohort(ReadModel):
    cohort: str = Field(description="Local month of the students' first captured payment")
    students: int
    retained: list[int] = Field(description="Students holding a seat in the cohort month, +1, …")
    retention: list[Ratio]


class CohortReport(Fresh):
    from_month: str
    to_month: str
    cohorts: list[Cohort]


class HeatCell(ReadModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    hour: int = Field(ge=0, le=23)
    check_ins: int = Field(ge=0)


class HeatmapReport(Fresh):
    from_date: date
    to_date: date
    cells: list[HeatCell]


class AtRiskStudent(ReadModel):
    student_id: uuid.UUID
    booking_id: uuid.UUID
    end_date: date
    recent_check_ins: int
    previous_check_ins: int


class AtRiskReport(Fresh):
    on: date
    window_days: int
    items: list[AtRiskStudent]


class PlatformMonth(ReadModel):
    month: str = Field(description="Indian month `YYYY-MM`")
    active_tenants: int = Field(ge=0, description="Tenants with a booking billed in the month")
    active_libraries: int = Field(ge=0, description="Libraries with a booking billed in the month")
    bookings: int = Field(ge=0, description="Bookings billed (started) in the month")
    billed_paise: int
    collected_paise: int = Field(description="Captured - refunded on the month's Indian days")
    active_seats: int = Field(
        ge=0, description="Seats in service (not under maintenance) at the month's end"
    )
    mrr_paise: int = Field(
        ge=0,
        description="Monthly recurring revenue at the month's end: each paying subscription's "
        "price over its cycle's months (a yearly price / 12)",
    )
    message_credits_used: int = Field(
        description="The plans' monthly message credits counted in the month (paid messages)"
    )


class TopTenant(ReadModel):
    tenant_id: uuid.UUID
    bookings: int
    billed_paise: int
    collected_paise: int


class PlatformReport(ReadModel):
    as_of: datetime | None = Field(
        description="When the last event applied on the platform happened"
    )
    from_month: str
    to_month: str
    tenants_by_status: dict[str, int] = Field(
        description="Every tenant not being moved between databases, by status"
    )
    months: list[PlatformMonth]
    top_tenants: list[TopTenant] = Field(description="At most 10, by collected, then billed")
