"""The waitlist: joining it, and what a waiting student (or the desk) reads back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.kit.schemas import WriteModel
from studyspot.services.booking.schemas.common import IsoDate

WaitlistStatusName = Literal[
    "waiting", "offered", "booked", "lapsed", "declined", "cancelled", "closed"
]


class WaitlistJoin(WriteModel):
    """Wait for a place like the booking that could not be made. Prices are never sent."""

    student_id: uuid.UUID | None = Field(
        default=None, description="Required for staff; a student joins for itself"
    )
    library_id: uuid.UUID
    shift_id: uuid.UUID | None = Field(
        default=None, description="Required unless the plan is a full-day plan"
    )
    fee_plan_id: uuid.UUID
    start_date: IsoDate = Field(
        description="Wanted first day; an offer made later starts on the day it is made"
    )


class WaitlistRead(BaseModel):
    id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    shift_id: uuid.UUID | None
    fee_plan_id: uuid.UUID
    start_date: date
    status: WaitlistStatusName
    position: int | None = Field(
        ge=1, description="Place in line while waiting (1 is next); null otherwise"
    )
    offer_booking_id: uuid.UUID | None = Field(
        description="The held booking offered; pay it before offer_expires_at"
    )
    offered_at: datetime | None
    offer_expires_at: datetime | None
    created_at: datetime
